"""Kata 35: a token bucket rate limiter. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class TokenBucket:
    """Allows `burst` acquires at once, then `rate` acquires per second, first come
    first served."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst

    async def acquire(self):
        """Wait until a token is available (and it is this caller's turn), then take it."""
        raise NotImplementedError("TokenBucket.acquire: see katas/35_token_bucket/README.md")
