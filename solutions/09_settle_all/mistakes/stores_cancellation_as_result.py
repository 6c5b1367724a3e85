"""Mistake: a wrapper catches BaseException, so when the caller is cancelled the
CancelledError is stored as a result and the caller carries on as if nothing happened.

Rejected by: test_cancelling_the_caller_cancels_every_fetch
"""

import asyncio


async def fetch_settled(fetch, keys):
    keys = list(dict.fromkeys(keys))
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    results = {}
    for key, task in zip(keys, tasks):
        try:
            results[key] = await task
        except BaseException as error:  # also swallows the caller's CancelledError
            results[key] = error
    return results
