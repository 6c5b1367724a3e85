"""Kata 34: retry with exponential backoff and jitter. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def retry(op, *, attempts, base, cap, rng, retry_on=(Exception,)):
    """Await `op()` up to `attempts` times, sleeping a random backoff drawn from `rng`
    between failures; return the first result, or raise the last error."""
    raise NotImplementedError("retry: see katas/34_retry_backoff/README.md")
