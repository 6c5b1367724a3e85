"""Mistake: a writer cancelled while it waits never takes itself off the waiting count,
so readers keep waiting for a writer that is gone.

Rejected by: test_cancelled_waiting_writer_steps_aside
"""

import asyncio
import contextlib


class RWLock:
    def __init__(self):
        self._changed = asyncio.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def read(self):
        async with self._changed:
            await self._changed.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            async with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextlib.asynccontextmanager
    async def write(self):
        async with self._changed:
            self._writers_waiting += 1
            await self._changed.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify_all()
