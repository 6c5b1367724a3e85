"""Kata 24, reference solution."""

import asyncio

_DONE = object()  # the producer's "no more items" marker


async def pump(source, sink, maxsize):
    """Move every item of the async iterator `source` to `await sink(item)`, through a
    queue of at most `maxsize` items; return how many items were moved."""
    if maxsize < 1:
        raise ValueError(f"maxsize must be at least 1, not {maxsize}")  # Queue(0) is unbounded
    queue = asyncio.Queue(maxsize)
    count = 0

    async def produce():
        async for item in source:
            await queue.put(item)  # waits while the queue is full: backpressure
        await queue.put(_DONE)

    async def consume():
        nonlocal count
        while (item := await queue.get()) is not _DONE:
            await sink(item)
            count += 1

    # Both sides run at once; if either raises, the TaskGroup cancels the other.
    async with asyncio.TaskGroup() as tg:
        tg.create_task(produce())
        tg.create_task(consume())
    return count
