"""Mistake: every caller awaits the shared task itself, so cancelling any one caller
cancels the shared call for everyone.

Rejected by: test_a_cancelled_caller_spares_the_shared_call, test_everyone_gone
"""

import asyncio


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def do(self, key, fn):
        task = self._flights.get(key)
        if task is None:
            task = asyncio.create_task(self._run(key, fn))
            self._flights[key] = task
        return await task

    async def _run(self, key, fn):
        try:
            return await fn()
        finally:
            del self._flights[key]
