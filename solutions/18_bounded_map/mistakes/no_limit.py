"""Mistake: creates a Semaphore but each task takes it only after the call, so every call runs at once.

Rejected by: test_limit_is_respected_and_reached
"""

import asyncio


async def map_bounded(fn, items, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    sem = asyncio.Semaphore(limit)

    async def one(item):
        result = await fn(item)
        async with sem:
            return result

    return list(await asyncio.gather(*(one(item) for item in items)))
