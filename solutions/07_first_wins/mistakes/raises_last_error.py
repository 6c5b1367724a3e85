"""Mistake: when every fn fails, raises only the last error instead of an ExceptionGroup
of all of them.

Rejected by: test_all_fail_raises_a_group_of_every_error
"""

import asyncio


async def race(fns):
    if not fns:
        raise ValueError("race() needs at least one function")
    tasks = [asyncio.create_task(fn()) for fn in fns]
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done
            except Exception as error:
                last = error
        raise last
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
