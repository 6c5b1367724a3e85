"""Kata 41, reference solution."""

import asyncio


class Service:
    """Runs submitted jobs; on request_stop, gives in-flight jobs `grace` seconds, then cancels them."""

    def __init__(self, grace):
        self.grace = grace
        self._jobs = set()  # strong references to the running job tasks
        self._stopping = asyncio.Event()  # binds to the running loop on first use
        self._deadline = None  # loop time the grace ends at, set by the first request_stop()

    async def run(self):
        """Serve until request_stop(); then drain (at most `grace` seconds) and return."""
        await self._stopping.wait()  # sleeps until set: no polling
        if self._jobs:
            # The grace counts from request_stop(), which may have come before run() did.
            left = max(0.0, self._deadline - asyncio.get_running_loop().time())
            _, late = await asyncio.wait(self._jobs, timeout=left)
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
        if self._deadline is None:  # only the first call starts the grace
            self._deadline = asyncio.get_running_loop().time() + self.grace
        self._stopping.set()

    @staticmethod
    async def _guard(job):
        try:
            await job()
        except Exception:
            pass  # (a real service would log it); CancelledError is not caught
