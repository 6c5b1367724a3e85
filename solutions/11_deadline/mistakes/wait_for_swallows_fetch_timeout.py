"""Mistake: catches every TimeoutError as "the deadline passed", so a TimeoutError the
fetch raised by itself, long before the deadline, is turned into the default.

Rejected by: test_fetch_timeout_error_is_not_the_deadline
"""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    try:
        return await asyncio.wait_for(fetch(key), timeout)
    except TimeoutError:
        return default
