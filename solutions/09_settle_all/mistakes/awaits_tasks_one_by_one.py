"""Mistake: starts one task per key, then awaits them one by one; cancelling the caller
then cancels only the task being awaited, and the others run on.

Rejected by: test_cancelling_the_caller_cancels_every_fetch
"""

import asyncio


async def fetch_settled(fetch, keys):
    tasks = {key: asyncio.create_task(fetch(key)) for key in dict.fromkeys(keys)}
    results = {}
    for key, task in tasks.items():
        try:
            results[key] = await task
        except Exception as error:
            results[key] = error
    return results
