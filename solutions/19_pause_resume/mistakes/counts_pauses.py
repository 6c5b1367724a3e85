"""Mistake: counts pauses, so after two pause() calls one resume() leaves the valve closed.

Rejected by: test_pause_and_resume_are_switches_not_counters
"""

import asyncio


class Valve:
    def __init__(self):
        self.pauses = 0
        self.cond = asyncio.Condition()
        self._open = asyncio.Event()
        self._open.set()

    def pause(self):
        self.pauses += 1
        self._open.clear()

    def resume(self):
        self.pauses = max(0, self.pauses - 1)
        if self.pauses == 0:
            self._open.set()

    async def checkpoint(self):
        await self._open.wait()
