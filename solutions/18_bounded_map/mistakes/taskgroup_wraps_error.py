"""Mistake: a TaskGroup with a Semaphore is right, but the error reaches the caller wrapped in an ExceptionGroup.

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

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(item)) for item in items]
    return [t.result() for t in tasks]
