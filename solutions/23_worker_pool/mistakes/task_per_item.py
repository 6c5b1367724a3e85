"""Mistake: starts a task for every item and limits them with a Semaphore: the calls in
flight are bounded, but the number of tasks grows with the number of items.

Rejected by: test_never_more_tasks_than_workers
"""

import asyncio


async def process_all(items, handler, workers):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    slots = asyncio.Semaphore(workers)

    async def one(item):
        async with slots:
            return await handler(item)

    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(item)) for item in items]
    except* Exception as group:
        raise group.exceptions[0] from None
    return [task.result() for task in tasks]
