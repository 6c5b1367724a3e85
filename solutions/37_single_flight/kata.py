"""Kata 37, reference solution."""

import asyncio


class SingleFlight:
    """Concurrent callers asking for the same key share one in-flight call."""

    def __init__(self):
        self._flights = {}  # key -> the task running the shared call

    async def do(self, key, fn):
        """Return the result of `await fn()`, sharing a call already in flight for `key`."""
        task = self._flights.get(key)
        if task is None:
            # The shared call runs in a task of its own: it belongs to no caller, so
            # no caller's cancellation can cancel it.
            task = asyncio.create_task(self._run(key, fn))
            task.add_done_callback(_retrieve)
            self._flights[key] = task
        # shield(): if *this* caller is cancelled, only its wait is cancelled, not the
        # shared task.
        return await asyncio.shield(task)

    async def _run(self, key, fn):
        try:
            return await fn()
        finally:
            # The flight is over: the next call for `key` starts a new one. This runs
            # before any waiter resumes, so none of them can join a finished flight.
            del self._flights[key]


def _retrieve(task):
    """Read the shared call's error, in case every caller has left: otherwise asyncio
    logs "Task exception was never retrieved" when the task is garbage collected."""
    if not task.cancelled():
        task.exception()
