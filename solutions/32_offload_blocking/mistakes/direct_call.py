"""Mistake: calls read_blocking straight from the coroutine, so every read freezes the event loop.

Rejected by: test_loop_stays_responsive, test_results_keyed_by_path, test_at_most_limit_reads_at_once
"""

import asyncio


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def read_one(path):
        async with slots:
            return read_blocking(path)

    async with asyncio.TaskGroup() as tg:
        tasks = {path: tg.create_task(read_one(path)) for path in paths}
    return {path: task.result() for path, task in tasks.items()}
