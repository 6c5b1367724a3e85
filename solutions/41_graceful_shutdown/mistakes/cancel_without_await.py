"""Mistake: cancels the stragglers at the end of the grace but returns without awaiting them, so they are still running when run() returns.

Rejected by: test_stragglers_are_cancelled_when_the_grace_ends, test_zero_grace_cancels_at_once
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()
        self._stopping = asyncio.Event()

    async def run(self):
        await self._stopping.wait()
        if self._jobs:
            _, late = await asyncio.wait(self._jobs, timeout=self.grace)
            for task in late:
                task.cancel()

    def submit(self, job):
        if self._stopping.is_set():
            return False
        task = asyncio.create_task(self._guard(job))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return True

    def request_stop(self):
        self._stopping.set()

    @staticmethod
    async def _guard(job):
        try:
            await job()
        except Exception:
            pass
