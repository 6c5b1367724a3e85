"""Mistake: cancels the tasks in `finally` but does not wait for them, so they are still
running when aclose() returns.

Rejected by: test_aclose_cancels_what_is_in_flight
"""

import asyncio


async def stream_results(fetch, keys):
    async def fetch_one(key):
        return key, await fetch(key)

    tasks = [asyncio.create_task(fetch_one(key)) for key in keys]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
