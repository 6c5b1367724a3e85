"""Mistake: yields from inside a TaskGroup, which wraps the fetch's error (and aclose's
GeneratorExit) in an exception group.

Rejected by: test_an_error_propagates_and_cancels_the_rest, test_aclose_cancels_what_is_in_flight
"""

import asyncio


async def stream_results(fetch, keys):
    finished = asyncio.Queue()

    async def fetch_one(key):
        await finished.put((key, await fetch(key)))

    async with asyncio.TaskGroup() as tg:
        for key in keys:
            tg.create_task(fetch_one(key))
        for _ in keys:
            yield await finished.get()
