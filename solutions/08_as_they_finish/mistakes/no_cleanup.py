"""Mistake: streams correctly but has no `finally`, so an error or an early close leaves
the other fetches running.

Rejected by: test_an_error_propagates_and_cancels_the_rest, test_aclose_cancels_what_is_in_flight
"""

import asyncio


async def stream_results(fetch, keys):
    async def fetch_one(key):
        return key, await fetch(key)

    tasks = [asyncio.create_task(fetch_one(key)) for key in keys]
    for next_done in asyncio.as_completed(tasks):
        yield await next_done
