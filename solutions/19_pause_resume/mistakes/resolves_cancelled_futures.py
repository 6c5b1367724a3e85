"""Mistake: resume() sets the result of every waiter's future, including one whose worker was cancelled, and crashes with InvalidStateError.

Rejected by: test_a_cancelled_waiter_does_not_break_the_valve
"""

import asyncio


class Valve:
    def __init__(self):
        self.paused = False
        self.waiters = []

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            fut.set_result(None)

    async def checkpoint(self):
        if self.paused:
            fut = asyncio.get_running_loop().create_future()
            self.waiters.append(fut)
            await fut
