"""Kata 34, reference solution."""

import asyncio


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    """Await `op()` up to `attempts` times, sleeping a random backoff drawn from `rng`
    between failures; return the first result, or raise the last error."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    for n in range(attempts):
        try:
            return await op()
        except retry_on:
            if n == attempts - 1:
                raise  # the last attempt: its error is the caller's
        # "Full jitter": a random wait between 0 and the capped exponential bound.
        # CancelledError is not an Exception, so a cancellation (during op() or during
        # this sleep) is never caught above and simply propagates.
        await asyncio.sleep(rng.uniform(0, min(cap, base * 2**n)))
