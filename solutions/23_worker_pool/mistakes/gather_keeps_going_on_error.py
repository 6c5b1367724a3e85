"""Mistake: runs the workers with a plain gather: when a handler raises, the error comes
out at once but the other workers keep running (and keep taking items).

Rejected by: test_first_error_cancels_the_workers
"""

import asyncio


async def process_all(items, handler, workers):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    queue = asyncio.Queue()
    for pair in enumerate(items):
        queue.put_nowait(pair)
    results = [None] * queue.qsize()

    async def worker():
        while not queue.empty():
            index, item = queue.get_nowait()
            results[index] = await handler(item)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return results
