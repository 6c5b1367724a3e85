"""Mistake: draws the jitter from the `random` module instead of the `rng` it was given,
so the waits are not the seeded ones (and cannot be reproduced).

Rejected by: test_backoff_is_the_seeded_capped_draw, test_the_last_error_propagates
"""

import asyncio
import random


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for n in range(attempts):
        try:
            return await op()
        except retry_on:
            if n == attempts - 1:
                raise
        await asyncio.sleep(random.uniform(0, min(cap, base * 2**n)))
