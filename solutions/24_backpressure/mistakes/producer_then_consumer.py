"""Mistake: awaits the producer before starting the consumer: once the bounded queue is
full, the producer waits for a consumer that does not exist yet (deadlock).

Rejected by: test_every_item_reaches_the_sink_in_order, test_queue_stays_bounded
"""

import asyncio

_DONE = object()


async def pump(source, sink, maxsize):
    if maxsize < 1:
        raise ValueError("maxsize must be at least 1")
    queue = asyncio.Queue(maxsize)
    async for item in source:
        await queue.put(item)
    await queue.put(_DONE)
    count = 0
    while (item := await queue.get()) is not _DONE:
        await sink(item)
        count += 1
    return count
