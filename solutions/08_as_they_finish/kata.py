"""Kata 08, reference solution."""

import asyncio


async def stream_results(fetch, keys):
    """Fetch every key at once; yield `(key, value)` pairs in the order the fetches end."""

    async def fetch_one(key):
        return key, await fetch(key)

    tasks = [asyncio.create_task(fetch_one(key)) for key in keys]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        # Reached on every way out: all pairs yielded, an error, aclose(), the consumer
        # cancelled. Cancel what is still in flight and wait until it has stopped.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
