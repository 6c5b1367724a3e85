"""Mistake: frees the probe slot only when the probe returns or raises an Exception; a
cancelled probe leaves it taken, and the circuit rejects every call forever.

Rejected by: test_cancelled_probe_frees_the_slot
"""

import asyncio


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call while the circuit is open (fn is not called)."""


class CircuitBreaker:
    def __init__(self, fail_max, reset_after):
        self.fail_max = fail_max
        self.reset_after = reset_after
        self._failures = 0
        self._opened_at = None
        self._probing = False

    @property
    def state(self):
        if self._opened_at is None:
            return "closed"
        now = asyncio.get_running_loop().time()
        if self._probing or now - self._opened_at >= self.reset_after:
            return "half-open"
        return "open"

    async def call(self, fn, *args):
        state = self.state
        if state == "open" or (state == "half-open" and self._probing):
            raise CircuitOpenError()
        if state == "half-open":
            self._probing = True
            try:
                result = await fn(*args)
            except Exception:
                self._probing = False
                self._opened_at = asyncio.get_running_loop().time()
                raise
            self._probing = False
            self._opened_at = None
            self._failures = 0
            return result
        try:
            result = await fn(*args)
        except Exception:
            self._failures += 1
            if self._failures >= self.fail_max:
                self._opened_at = asyncio.get_running_loop().time()
                self._failures = 0
            raise
        self._failures = 0
        return result
