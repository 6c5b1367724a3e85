"""Mistake: `limit` workers, each given a fixed share of the items up front (items[i::limit]), so a worker stuck with slow items falls behind while others idle.

Rejected by: test_next_item_starts_as_soon_as_a_slot_frees
"""

import asyncio


async def map_bounded(fn, items, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    results = [None] * len(items)

    async def worker(start):
        for i in range(start, len(items), limit):
            results[i] = await fn(items[i])

    try:
        async with asyncio.TaskGroup() as tg:
            for w in range(min(limit, len(items))):
                tg.create_task(worker(w))
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return results
