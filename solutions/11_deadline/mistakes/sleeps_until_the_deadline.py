"""Mistake: starts the fetch, sleeps the whole timeout, then looks: a fast fetch still
costs the full timeout.

Rejected by: test_fast_fetch_returns_its_value, test_fetch_error_propagates
"""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    task = asyncio.create_task(fetch(key))
    await asyncio.sleep(max(timeout, 0))
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return default
