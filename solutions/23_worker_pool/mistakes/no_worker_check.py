"""Mistake: does not check `workers`: with 0 workers nobody ever takes an item, and the
caller waits on `queue.join()` for ever.

Rejected by: test_fewer_than_one_worker_is_an_error
"""

import asyncio


async def process_all(items, handler, workers):
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

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(worker()) for _ in range(workers)]
        await queue.join()
        for task in tasks:
            task.cancel()
    return results
