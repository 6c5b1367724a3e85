"""Mistake: runs the jobs in a TaskGroup, so one job raising cancels every other job and crashes run().

Rejected by: test_a_failing_job_does_not_stop_the_service
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._group = None
        self._stopping = asyncio.Event()
        self._backlog = []

    async def run(self):
        async with asyncio.TaskGroup() as tg:
            self._group = tg
            for job in self._backlog:
                tg.create_task(job())
            await self._stopping.wait()
            jobs = [t for t in asyncio.all_tasks() if getattr(t, "_service", None) is self]
            if jobs:
                _, late = await asyncio.wait(jobs, timeout=self.grace)
                for task in late:
                    task.cancel()

    def submit(self, job):
        if self._stopping.is_set():
            return False
        if self._group is None:
            self._backlog.append(job)
        else:
            task = self._group.create_task(job())
            task._service = self
        return True

    def request_stop(self):
        self._stopping.set()
