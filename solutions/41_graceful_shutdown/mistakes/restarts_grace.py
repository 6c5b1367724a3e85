"""Mistake: every request_stop() call starts a new grace period, so a second signal keeps the stragglers alive longer.

Rejected by: test_stop_twice_and_stop_before_run
"""

import asyncio


class Service:
    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()
        self._accepting = True
        self._deadline = None
        self._changed = asyncio.Event()

    async def run(self):
        loop = asyncio.get_running_loop()
        while self._deadline is None:
            self._changed.clear()
            await self._changed.wait()
        while self._jobs:
            left = self._deadline - loop.time()
            if left <= 0:
                break
            self._changed.clear()
            waiter = asyncio.ensure_future(self._changed.wait())
            done, _ = await asyncio.wait([*self._jobs, waiter], timeout=left, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)
        late = list(self._jobs)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def submit(self, job):
        if not self._accepting:
            return False
        task = asyncio.create_task(self._guard(job))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return True

    def request_stop(self):
        self._accepting = False
        self._deadline = asyncio.get_running_loop().time() + self.grace
        self._changed.set()

    @staticmethod
    async def _guard(job):
        try:
            await job()
        except Exception:
            pass
