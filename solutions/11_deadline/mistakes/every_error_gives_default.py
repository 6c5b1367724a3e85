"""Mistake: returns the default for any error (`except Exception`), hiding the fetch's own
failures from the caller.

Rejected by: test_fetch_error_propagates, test_fetch_timeout_error_is_not_the_deadline
"""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    try:
        async with asyncio.timeout(timeout):
            return await fetch(key)
    except Exception:
        return default
