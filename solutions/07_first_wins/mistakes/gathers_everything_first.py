"""Mistake: waits for every fn with gather, then picks the first success in list order,
so the race always lasts as long as the slowest fn.

Rejected by: test_fastest_success_wins
"""

import asyncio


async def race(fns):
    if not fns:
        raise ValueError("race() needs at least one function")
    results = await asyncio.gather(*(fn() for fn in fns), return_exceptions=True)
    for result in results:
        if not isinstance(result, Exception):
            return result
    raise ExceptionGroup("every attempt failed", results)
