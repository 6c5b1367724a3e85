"""Mistake: reads an item, sinks it, reads the next: memory is bounded, but the source
and the sink never work at the same time.

Rejected by: test_producer_and_consumer_overlap, test_long_stream
"""


async def pump(source, sink, maxsize):
    if maxsize < 1:
        raise ValueError("maxsize must be at least 1")
    count = 0
    async for item in source:
        await sink(item)
        count += 1
    return count
