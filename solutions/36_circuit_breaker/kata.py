"""Kata 36, reference solution."""

import asyncio


class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call while the circuit is open (fn is not called)."""


class CircuitBreaker:
    """Stops calling a failing service for a while, then lets one probe call decide."""

    def __init__(self, fail_max, reset_after):
        self.fail_max = fail_max
        self.reset_after = reset_after
        self._failures = 0  # consecutive failures while closed
        self._opened_at = None  # loop time the circuit opened; None while closed
        self._probing = False  # a half-open probe call is in flight

    @property
    def state(self):
        """ "closed", "open" or "half-open", as of now."""
        if self._opened_at is None:
            return "closed"
        now = asyncio.get_running_loop().time()
        if self._probing or now - self._opened_at >= self.reset_after:
            return "half-open"
        return "open"

    async def call(self, fn, *args):
        """Return `await fn(*args)`, or raise CircuitOpenError without calling fn."""
        state = self.state
        if state == "open":
            raise CircuitOpenError("circuit open: not calling the service")
        if state == "half-open":
            if self._probing:
                raise CircuitOpenError("circuit half-open: a probe call is in flight")
            return await self._probe(fn, args)
        try:
            result = await fn(*args)
        except Exception:
            if self._opened_at is None:  # (it may have opened meanwhile)
                self._failures += 1
                if self._failures >= self.fail_max:
                    self._open()
            raise
        if self._opened_at is None:
            self._failures = 0
        return result

    async def _probe(self, fn, args):
        # One probe at a time. If it is cancelled, it decided nothing: `finally` frees
        # the slot and the circuit stays half-open, for the next caller to probe.
        self._probing = True
        try:
            result = await fn(*args)
        except Exception:
            self._open()  # the service still fails: open again, for reset_after more
            raise
        else:
            self._opened_at = None  # it works again: close
            self._failures = 0
            return result
        finally:
            self._probing = False

    def _open(self):
        self._opened_at = asyncio.get_running_loop().time()
        self._failures = 0
