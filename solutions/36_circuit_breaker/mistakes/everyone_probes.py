"""Mistake: once half-open, lets every caller through to fn instead of one probe, so a
crowd hits the service the moment it may be recovering.

Rejected by: test_one_probe_among_concurrent_callers
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

    @property
    def state(self):
        if self._opened_at is None:
            return "closed"
        now = asyncio.get_running_loop().time()
        return "half-open" if now - self._opened_at >= self.reset_after else "open"

    async def call(self, fn, *args):
        state = self.state
        if state == "open":
            raise CircuitOpenError()
        try:
            result = await fn(*args)
        except Exception:
            if state == "half-open":
                self._opened_at = asyncio.get_running_loop().time()
            else:
                self._failures += 1
                if self._failures >= self.fail_max:
                    self._opened_at = asyncio.get_running_loop().time()
                    self._failures = 0
            raise
        self._opened_at = None
        self._failures = 0
        return result
