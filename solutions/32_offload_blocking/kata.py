"""Kata 32, reference solution."""

import asyncio


async def read_all(paths, read_blocking, limit):
    """Run `read_blocking(path)` for every path in worker threads, at most `limit` at
    once, without blocking the event loop; return {path: what it returned}."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def read_one(path):
        async with slots:  # a slot is held for as long as the thread reads
            # to_thread runs the call in a worker thread, in a copy of this context.
            return await asyncio.to_thread(read_blocking, path)

    # The first failure cancels every task still waiting for a slot.
    async with asyncio.TaskGroup() as tg:
        tasks = {path: tg.create_task(read_one(path)) for path in paths}
    return {path: task.result() for path, task in tasks.items()}
