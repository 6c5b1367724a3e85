"""Mistake: a bare `except:` retries every error, and even a cancellation of op().

Rejected by: test_other_errors_are_not_retried, test_cancel_during_an_attempt_is_not_retried
"""

import asyncio


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for n in range(attempts):
        try:
            return await op()
        except:  # noqa: E722
            if n == attempts - 1:
                raise
        await asyncio.sleep(rng.uniform(0, min(cap, base * 2**n)))
