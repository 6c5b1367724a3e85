"""Mistake: starts the grace when run() wakes up instead of at the first request_stop(), so when request_stop() comes before run() the jobs get more than `grace` seconds.

Rejected by: test_stop_twice_and_stop_before_run
"""

import asyncio


class Service:
    """Runs submitted jobs; on request_stop, gives in-flight jobs `grace` seconds, then cancels them."""

    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()  # strong references to the running job tasks
        self._stopping = asyncio.Event()  # binds to the running loop on first use

    async def run(self):
        """Serve until request_stop(); then drain (at most `grace` seconds) and return."""
        await self._stopping.wait()  # sleeps until set: no polling
        if self._jobs:
            _, late = await asyncio.wait(self._jobs, timeout=self.grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def submit(self, job):
        """Start `await job()` now and return True; after request_stop(), return False."""
        if self._stopping.is_set():
            return False
        task = asyncio.create_task(self._guard(job))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return True

    def request_stop(self):
        """Begin the shutdown: refuse new jobs, start the grace period."""
        self._stopping.set()

    @staticmethod
    async def _guard(job):
        try:
            await job()
        except Exception:
            pass  # (a real service would log it); CancelledError is not caught
