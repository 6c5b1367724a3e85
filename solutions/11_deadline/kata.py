"""Kata 11, reference solution."""

import asyncio


async def fetch_or_default(fetch, key, timeout, default):
    """Return `await fetch(key)` if it ends within `timeout` seconds, else `default`."""
    try:
        async with asyncio.timeout(timeout) as deadline:
            return await fetch(key)
    except TimeoutError:
        # Our deadline, or a TimeoutError the fetch raised by itself? Only the first
        # one means "too slow, use the default".
        if deadline.expired():
            return default
        raise
