"""Kata 23, reference solution."""

import asyncio


async def process_all(items, handler, workers):
    """Return [await handler(item) for item in items], computed by `workers` worker tasks
    fed from an asyncio.Queue."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    jobs = asyncio.Queue()
    for index, item in enumerate(items):
        jobs.put_nowait((index, item))
    results = [None] * jobs.qsize()

    async def worker():
        # Every job is queued before the workers start, so an empty queue means done.
        while True:
            try:
                index, item = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            results[index] = await handler(item)

    # The TaskGroup waits for every worker; if a handler raises, it cancels the other
    # workers (and the handler calls they are awaiting) before the error propagates.
    async with asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())
    return results
