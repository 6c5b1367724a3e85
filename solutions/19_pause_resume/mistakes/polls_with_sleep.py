"""Mistake: a waiting worker polls the flag every 10 ms instead of sleeping until resume() wakes it.

Rejected by: test_waiting_workers_do_not_poll
"""

import asyncio


class Valve:
    def __init__(self):
        self.paused = False

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False

    async def checkpoint(self):
        while self.paused:
            await asyncio.sleep(0.01)
