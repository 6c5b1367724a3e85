"""Mistake: returns gather's list as it is, where the kata asks for a tuple.

Rejected by: test_returns_the_pair_in_argument_order
"""

import asyncio


async def fetch_pair(fetch, a, b):
    return await asyncio.gather(fetch(a), fetch(b))
