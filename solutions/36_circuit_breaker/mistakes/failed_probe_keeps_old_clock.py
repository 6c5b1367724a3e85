"""Mistake: a failed probe marks the circuit open again but keeps the time it first
opened, so reset_after has already passed and the next caller probes at once.

Rejected by: test_failed_probe_reopens
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
            finally:
                self._probing = False
            self._opened_at = None  # on failure, simply stay "open" as before
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
