"""Kata 35, reference solution."""

import asyncio


class TokenBucket:
    """Allows `burst` acquires at once, then `rate` acquires per second, first come
    first served."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)  # starts full
        self._updated = None  # loop time of the last refill (None: not yet)
        self._turn = asyncio.Lock()  # FIFO: waiters queue up here, in arrival order

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        """Wait until a token is available (and it is this caller's turn), then take it."""
        # Only the caller at the head of the queue holds the lock; it sleeps exactly
        # until its token has refilled, once. The others wait on the lock, without
        # waking up, and a newcomer cannot overtake them.
        async with self._turn:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1
