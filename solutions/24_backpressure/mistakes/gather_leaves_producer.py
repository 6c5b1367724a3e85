"""Mistake: runs both sides with a plain gather: when the sink raises, the error comes
out, but the producer is left blocked on `queue.put()` for ever.

Rejected by: test_sink_error_stops_the_pump
"""

import asyncio

_DONE = object()


async def pump(source, sink, maxsize):
    if maxsize < 1:
        raise ValueError("maxsize must be at least 1")
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

    await asyncio.gather(produce(), consume())
    return count
