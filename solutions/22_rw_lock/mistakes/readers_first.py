"""Mistake: readers only check whether a writer is *inside*, not whether one is waiting,
so a stream of readers keeps a writer out (writer starvation).

Rejected by: test_waiting_writer_goes_before_later_readers
"""

import asyncio
import contextlib


class RWLock:
    def __init__(self):
        self._changed = asyncio.Condition()
        self._readers = 0
        self._writing = False

    @contextlib.asynccontextmanager
    async def read(self):
        async with self._changed:
            await self._changed.wait_for(lambda: not self._writing)
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
            await self._changed.wait_for(lambda: not self._writing and not self._readers)
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify_all()
