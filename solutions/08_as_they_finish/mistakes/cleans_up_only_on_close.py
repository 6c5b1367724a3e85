"""Mistake: cancels the fetches only on GeneratorExit (aclose), so an error or a
cancelled consumer leaves them running.

Rejected by: test_an_error_propagates_and_cancels_the_rest, test_a_cancelled_consumer_cancels_the_fetches
"""

import asyncio


async def stream_results(fetch, keys):
    async def fetch_one(key):
        return key, await fetch(key)

    tasks = [asyncio.create_task(fetch_one(key)) for key in keys]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    except GeneratorExit:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
