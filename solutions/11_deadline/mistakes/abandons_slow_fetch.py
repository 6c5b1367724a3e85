"""Mistake: stops waiting at the deadline but never cancels the fetch, which keeps
running after the function returned.

Rejected by: test_slow_fetch_is_cancelled, test_zero_or_negative_timeout
"""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    task = asyncio.create_task(fetch(key))
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if task in done:
        return task.result()
    return default
