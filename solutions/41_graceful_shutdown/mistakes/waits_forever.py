"""Mistake: after request_stop it waits for every running job to finish, however long they take: there is no grace deadline and nothing is ever cancelled.

Rejected by: test_stragglers_are_cancelled_when_the_grace_ends, test_zero_grace_cancels_at_once, test_stop_twice_and_stop_before_run
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()
        self._stopping = asyncio.Event()

    async def run(self):
        await self._stopping.wait()
        await asyncio.gather(*self._jobs, return_exceptions=True)

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
