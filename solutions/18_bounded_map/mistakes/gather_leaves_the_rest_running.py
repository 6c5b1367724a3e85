"""Mistake: Semaphore plus gather: the first error propagates, but the other calls keep running and the waiting items still start.

Rejected by: test_first_error_cancels_the_rest_and_propagates
"""

import asyncio


async def map_bounded(fn, items, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    sem = asyncio.Semaphore(limit)

    async def one(item):
        async with sem:
            return await fn(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
