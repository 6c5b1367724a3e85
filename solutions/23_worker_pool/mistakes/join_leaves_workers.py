"""Mistake: waits for `queue.join()` and returns, leaving the workers blocked on
`queue.get()` for ever.

Rejected by: test_nothing_left_running
"""

import asyncio

_workers = set()


async def process_all(items, handler, workers):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    queue = asyncio.Queue()
    items = list(items)
    results = [None] * len(items)
    for pair in enumerate(items):
        queue.put_nowait(pair)

    async def worker():
        while True:
            index, item = await queue.get()
            try:
                results[index] = await handler(item)
            finally:
                queue.task_done()

    for _ in range(workers):
        task = asyncio.create_task(worker())
        _workers.add(task)
        task.add_done_callback(_workers.discard)
    await queue.join()
    return results
