"""Mistake: numbers the failures from 1 in the exponent, so every backoff bound is doubled.

Rejected by: test_backoff_is_the_seeded_capped_draw
"""

import asyncio


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await op()
        except retry_on:
            if attempt == attempts:
                raise
        await asyncio.sleep(rng.uniform(0, min(cap, base * 2**attempt)))
