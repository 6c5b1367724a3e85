"""Mistake: each caller books the next free slot and sleeps until it; a caller cancelled
while it waits keeps its booking, so everyone behind it waits for nothing.

Rejected by: test_cancelled_waiter_takes_no_token
"""

import asyncio


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = None

    async def acquire(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1  # book a token now; below zero, it is a token of the future
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self.rate)
