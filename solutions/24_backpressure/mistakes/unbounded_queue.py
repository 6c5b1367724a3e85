"""Mistake: an unbounded `asyncio.Queue()`: producer and consumer overlap, but a fast
source runs ahead of a slow sink and the queue grows without limit.

Rejected by: test_queue_stays_bounded, test_long_stream
"""

import asyncio

_DONE = object()


async def pump(source, sink, maxsize):
    if maxsize < 1:
        raise ValueError("maxsize must be at least 1")
    queue = asyncio.Queue()
    count = 0

    async def produce():
        async for item in source:
            await queue.put(item)
        await queue.put(_DONE)

    async def consume():
        nonlocal count
        while (item := await queue.get()) is not _DONE:
            await sink(item)
            count += 1

    async with asyncio.TaskGroup() as tg:
        tg.create_task(produce())
        tg.create_task(consume())
    return count
