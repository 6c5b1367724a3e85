"""Mistake: asyncio.gather raises the first error but leaves the other tasks running, so
they go on reading files after read_all has failed.

Rejected by: test_error_propagates_and_no_new_read_starts
"""

import asyncio


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def read_one(path):
        async with slots:
            return await asyncio.to_thread(read_blocking, path)

    values = await asyncio.gather(*(read_one(path) for path in paths))
    return dict(zip(paths, values))
