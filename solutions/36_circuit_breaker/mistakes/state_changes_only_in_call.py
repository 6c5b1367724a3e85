"""Mistake: moves from open to half-open only when someone calls, so `state` still
reads "open" after reset_after has passed.

Rejected by: test_half_open_after_reset_after, test_failed_probe_reopens
"""

import asyncio


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call while the circuit is open (fn is not called)."""


class CircuitBreaker:
    def __init__(self, fail_max, reset_after):
        self.fail_max = fail_max
        self.reset_after = reset_after
        self.state = "closed"
        self._failures = 0
        self._opened_at = None
        self._probing = False

    async def call(self, fn, *args):
        now = asyncio.get_running_loop().time()
        if self.state == "open" and now - self._opened_at >= self.reset_after:
            self.state = "half-open"
        if self.state == "open" or (self.state == "half-open" and self._probing):
            raise CircuitOpenError()
        if self.state == "half-open":
            self._probing = True
            try:
                result = await fn(*args)
            except Exception:
                self.state = "open"
                self._opened_at = asyncio.get_running_loop().time()
                raise
            finally:
                self._probing = False
            self.state = "closed"
            self._failures = 0
            return result
        try:
            result = await fn(*args)
        except Exception:
            self._failures += 1
            if self._failures >= self.fail_max:
                self.state = "open"
                self._opened_at = asyncio.get_running_loop().time()
                self._failures = 0
            raise
        self._failures = 0
        return result
