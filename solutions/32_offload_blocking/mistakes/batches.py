"""Mistake: reads in fixed batches of `limit`, so one slow read holds up the whole next batch.

Rejected by: test_slow_read_does_not_hold_up_the_others
"""

import asyncio


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    results = {}
    for i in range(0, len(paths), limit):
        batch = paths[i : i + limit]
        values = await asyncio.gather(*(asyncio.to_thread(read_blocking, p) for p in batch))
        results.update(zip(batch, values))
    return results
