"""Mistake: turns a cancellation during the backoff into "give up": it raises the last
error instead of letting CancelledError propagate, so the task does not end cancelled.

Rejected by: test_cancel_during_backoff_is_not_retried
"""

import asyncio


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for n in range(attempts):
        try:
            return await op()
        except retry_on as exc:
            if n == attempts - 1:
                raise
            try:
                await asyncio.sleep(rng.uniform(0, min(cap, base * 2**n)))
            except asyncio.CancelledError:
                raise exc from None  # "stop retrying and report what went wrong"
