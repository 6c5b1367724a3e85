"""Mistake: runs the items in fixed batches of `limit`, so one slow call holds up its whole batch.

Rejected by: test_next_item_starts_as_soon_as_a_slot_frees
"""

import asyncio


async def map_bounded(fn, items, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    results = []
    for i in range(0, len(items), limit):
        batch = items[i : i + limit]
        results += await asyncio.gather(*(fn(item) for item in batch))
    return results
