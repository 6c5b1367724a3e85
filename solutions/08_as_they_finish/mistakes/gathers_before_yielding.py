"""Mistake: waits for every fetch with gather before yielding the first pair, so even the
fastest result reaches the consumer only when the slowest fetch ends.

Rejected by: test_each_pair_arrives_when_its_fetch_ends
"""

import asyncio


async def stream_results(fetch, keys):
    finished = []

    async def fetch_one(key):
        value = await fetch(key)
        finished.append((key, value))

    await asyncio.gather(*(fetch_one(key) for key in keys))
    for pair in finished:
        yield pair
