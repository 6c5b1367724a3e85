"""Mistake: sleeps (and draws) after every failure, the last one too, before giving up.

Rejected by: test_the_last_error_propagates, test_one_attempt_and_no_attempts
"""

import asyncio


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last = None
    for n in range(attempts):
        try:
            return await op()
        except retry_on as exc:
            last = exc
        await asyncio.sleep(rng.uniform(0, min(cap, base * 2**n)))
    raise last
