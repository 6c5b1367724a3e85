"""Kata 19, reference solution."""

import asyncio


class Valve:
    """A gate that workers pass before each job; it can be paused and resumed."""

    def __init__(self):
        self._open = asyncio.Event()
        self._open.set()  # starts open

    def pause(self):
        """Close the valve: workers arriving at checkpoint() wait."""
        self._open.clear()

    def resume(self):
        """Open the valve: every waiting worker goes on."""
        self._open.set()

    async def checkpoint(self):
        """Return at once while the valve is open; while it is paused, wait until resumed."""
        # wait() sleeps until set() wakes it: no polling. The loop re-checks in case the
        # valve was paused again before this worker got its turn to run.
        while not self._open.is_set():
            await self._open.wait()
