"""Mistake: passes `maxsize` straight to asyncio.Queue without checking it:
`asyncio.Queue(0)` is an *unbounded* queue, so maxsize=0 silently turns backpressure off.

Rejected by: test_maxsize_below_one_is_an_error
"""

import asyncio

_DONE = object()


async def pump(source, sink, maxsize):
    queue = asyncio.Queue(maxsize)
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
