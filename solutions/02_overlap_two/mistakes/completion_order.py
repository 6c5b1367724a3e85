"""Mistake: returns the values in the order the fetches finish, not argument order.

Rejected by: test_returns_the_pair_in_argument_order
"""

import asyncio


async def fetch_pair(fetch, a, b):
    return tuple([await f for f in asyncio.as_completed([fetch(a), fetch(b)])])
