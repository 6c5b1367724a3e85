"""Mistake: uses loop.run_in_executor, which does not copy the caller's context into the thread.

Rejected by: test_caller_context_reaches_the_threads
"""

import asyncio


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(limit)

    async def read_one(path):
        async with slots:
            return await loop.run_in_executor(None, read_blocking, path)

    async with asyncio.TaskGroup() as tg:
        tasks = {path: tg.create_task(read_one(path)) for path in paths}
    return {path: task.result() for path, task in tasks.items()}
