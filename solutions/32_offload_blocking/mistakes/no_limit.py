"""Mistake: starts every read at once in the thread pool, ignoring `limit`.

Rejected by: test_at_most_limit_reads_at_once
"""

import asyncio


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    async with asyncio.TaskGroup() as tg:
        tasks = {path: tg.create_task(asyncio.to_thread(read_blocking, path)) for path in paths}
    return {path: task.result() for path, task in tasks.items()}
