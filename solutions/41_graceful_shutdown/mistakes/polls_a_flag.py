"""Mistake: run() checks a `stopping` flag every 10 ms instead of waiting on an Event, so it wakes the loop thousands of times and notices the stop late.

Rejected by: test_idle_service_stops_at_once_without_polling
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()
        self._stopping = False
        self._deadline = None

    async def run(self):
        while not self._stopping:
            await asyncio.sleep(0.01)
        if self._jobs:
            left = max(0.0, self._deadline - asyncio.get_running_loop().time())
            _, late = await asyncio.wait(self._jobs, timeout=left)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def submit(self, job):
        if self._stopping:
            return False
        task = asyncio.create_task(self._guard(job))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return True

    def request_stop(self):
        if self._deadline is None:
            self._deadline = asyncio.get_running_loop().time() + self.grace
        self._stopping = True

    @staticmethod
    async def _guard(job):
        try:
            await job()
        except Exception:
            pass
