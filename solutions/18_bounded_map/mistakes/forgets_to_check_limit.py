"""Mistake: never checks `limit`, so limit=0 makes a Semaphore with no slot and waits forever.

Rejected by: test_limit_below_one_is_rejected
"""

import asyncio


async def map_bounded(fn, items, limit):
    sem = asyncio.Semaphore(limit)

    async def one(item):
        async with sem:
            return await fn(item)

    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(item)) for item in items]
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return [t.result() for t in tasks]
