"""Mistake: waits with asyncio.wait (which does not cancel the shared task), but when
every caller has left, nobody retrieves the task's error: asyncio reports "Task
exception was never retrieved".

Rejected by: test_everyone_gone
"""

import asyncio


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def do(self, key, fn):
        task = self._flights.get(key)
        if task is None:
            task = asyncio.create_task(fn())
            self._flights[key] = task
            task.add_done_callback(lambda _: self._flights.pop(key, None))
        await asyncio.wait([task])
        return task.result()
