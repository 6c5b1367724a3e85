"""Kata 02, reference solution."""

import asyncio


async def fetch_pair(fetch, a, b):
    """Fetch keys `a` and `b` at the same time; return (value_a, value_b)."""
    value_a, value_b = await asyncio.gather(fetch(a), fetch(b))
    return (value_a, value_b)
