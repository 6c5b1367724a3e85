"""Mistake: cancels the running jobs as soon as request_stop is called, giving them no grace at all.

Rejected by: test_running_jobs_finish_within_the_grace, test_stragglers_are_cancelled_when_the_grace_ends
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()
        self._stopping = asyncio.Event()

    async def run(self):
        await self._stopping.wait()
        jobs = list(self._jobs)
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)

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
