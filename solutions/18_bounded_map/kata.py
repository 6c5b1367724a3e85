"""Kata 18, reference solution."""

import asyncio


async def map_bounded(fn, items, limit):
    """Return [await fn(item) for item in items], with at most `limit` calls in flight."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    slots = asyncio.Semaphore(limit)

    async def one(item):
        async with slots:
            return await fn(item)

    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(item)) for item in items]
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return [task.result() for task in tasks]
