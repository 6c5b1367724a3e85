"""Mistake: catches BaseException to count failures, so a cancelled call counts as a
failure of the service (and can open the circuit).

Rejected by: test_cancelled_call_is_not_a_failure
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
                self._opened_at = asyncio.get_running_loop().time()
                raise
            finally:
                self._probing = False
            self._opened_at = None
            self._failures = 0
            return result
        try:
            result = await fn(*args)
        except BaseException:
            self._failures += 1
            if self._failures >= self.fail_max:
                self._opened_at = asyncio.get_running_loop().time()
                self._failures = 0
            raise
        self._failures = 0
        return result
