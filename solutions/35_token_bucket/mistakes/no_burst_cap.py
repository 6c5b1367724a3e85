"""Mistake: refills without the `burst` cap, so a bucket left idle saves up tokens and
then lets a flood through at once.

Rejected by: test_no_window_exceeds_the_rate
"""

import asyncio


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = None
        self._turn = asyncio.Lock()

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens += (now - self._updated) * self.rate
        self._updated = now

    async def acquire(self):
        async with self._turn:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1
