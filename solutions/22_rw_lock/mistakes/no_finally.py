"""Mistake: releases after the `yield` without a `try/finally`, so an error inside
`async with lock.write():` leaves the lock taken for ever.

Rejected by: test_lock_released_when_body_raises
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
        yield
        async with self._changed:
            self._readers -= 1
            self._changed.notify_all()

    @contextlib.asynccontextmanager
    async def write(self):
        async with self._changed:
            self._writers_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._writing and not self._readers)
            finally:
                self._writers_waiting -= 1
                self._changed.notify_all()
            self._writing = True
        yield
        async with self._changed:
            self._writing = False
            self._changed.notify_all()
