"""Mistake: no line: every waiter sleeps until the next token and races for it, so the
losers wake up again and again and the order of service is left to chance.

Rejected by: test_first_come_first_served, test_waiting_does_not_poll
"""

import asyncio


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = None

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        self._refill()
        while self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / self.rate)
            self._refill()
        self._tokens -= 1
