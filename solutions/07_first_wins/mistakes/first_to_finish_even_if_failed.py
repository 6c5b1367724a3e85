"""Mistake: returns whatever finishes first, even a failure, so an early error ends the
race although a later fn would have succeeded.

Rejected by: test_earlier_failures_are_ignored
"""

import asyncio


async def race(fns):
    if not fns:
        raise ValueError("race() needs at least one function")
    tasks = [asyncio.create_task(fn()) for fn in fns]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return done.pop().result()
