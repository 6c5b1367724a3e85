"""Mistake: a background task drops a token into a queue every 1/rate seconds: it wakes
up forever, even when nobody is waiting, and tokens arrive in ticks, not continuously.

Rejected by: test_waiting_does_not_poll, test_no_window_exceeds_the_rate
"""

import asyncio


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self._tokens = asyncio.Queue(maxsize=burst)
        for _ in range(burst):
            self._tokens.put_nowait(None)
        self._refiller = asyncio.create_task(self._refill())

    async def _refill(self):
        while True:
            await asyncio.sleep(1 / self.rate)
            if not self._tokens.full():
                self._tokens.put_nowait(None)

    async def acquire(self):
        await self._tokens.get()
