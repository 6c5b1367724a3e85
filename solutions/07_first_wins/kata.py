"""Kata 07, reference solution."""

import asyncio


async def race(fns):
    """Run every zero-argument async callable of `fns` at once; return the first
    successful result and cancel the rest."""
    fns = list(fns)
    if not fns:
        raise ValueError("race() needs at least one function")
    tasks = [asyncio.create_task(fn()) for fn in fns]
    errors = []
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done  # the first success wins
            except Exception as error:  # a failure: keep waiting for a success
                errors.append(error)
        raise ExceptionGroup("every attempt failed", errors)
    finally:
        for task in tasks:
            task.cancel()  # no-op for the tasks that already ended
        await asyncio.gather(*tasks, return_exceptions=True)
