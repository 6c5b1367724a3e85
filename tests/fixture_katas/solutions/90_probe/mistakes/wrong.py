"""Mistake: triples.

Rejected by: test_value
"""

import asyncio


async def double(x):
    await asyncio.sleep(1)
    return 3 * x
