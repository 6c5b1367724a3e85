"""Mistake: resume() calls Condition.notify(), which wakes only one waiting worker; the others stay stuck.

Rejected by: test_every_waiting_worker_goes_on_at_resume, test_no_job_starts_inside_a_pause_window
"""

import asyncio


class Valve:
    def __init__(self):
        self.paused = False
        self.cond = asyncio.Condition()

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False
        asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self):
        async with self.cond:
            self.cond.notify()

    async def checkpoint(self):
        async with self.cond:
            await self.cond.wait_for(lambda: not self.paused)
