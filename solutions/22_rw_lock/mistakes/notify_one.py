"""Mistake: wakes a single waiter (`notify()`) when the lock is freed, so readers that
could all read together come in one by one.

Rejected by: test_readers_after_a_write_go_together
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
                self._changed.notify()

    @contextlib.asynccontextmanager
    async def write(self):
        async with self._changed:
            self._writers_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._writing and not self._readers)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify()
