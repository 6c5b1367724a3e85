"""Kata 03, reference solution."""

import asyncio


async def fetch_all(fetch, keys):
    """Fetch every key concurrently; return the values in the order of `keys`."""
    return list(await asyncio.gather(*(fetch(key) for key in keys)))
