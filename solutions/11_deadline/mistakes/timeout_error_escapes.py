"""Mistake: puts the fetch under asyncio.timeout but never catches the TimeoutError, so
the caller gets an exception instead of the default.

Rejected by: test_slow_fetch_gives_the_default_at_the_deadline, test_zero_or_negative_timeout
"""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    async with asyncio.timeout(timeout):
        return await fetch(key)
