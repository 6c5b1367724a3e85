"""Mistake: deals the items out in advance (worker w gets items w, w+workers, ...), so a
worker with short jobs sits idle while another still has a queue of its own.

Rejected by: test_free_worker_takes_next_item
"""

import asyncio


async def process_all(items, handler, workers):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    items = list(items)
    results = [None] * len(items)

    async def worker(w):
        for index in range(w, len(items), workers):
            results[index] = await handler(items[index])

    async with asyncio.TaskGroup() as tg:
        for w in range(workers):
            tg.create_task(worker(w))
    return results
