"""Kata 22, reference solution."""

import asyncio
import contextlib


class RWLock:
    """Many readers at once, or one writer alone; a waiting writer goes before new readers."""

    def __init__(self):
        self._changed = asyncio.Condition()
        self._readers = 0  # readers inside
        self._writing = False  # a writer inside
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def read(self):
        """An async context manager: `async with lock.read():` holds a shared read lock."""
        async with self._changed:
            # A waiting writer goes first: new readers queue up behind it.
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
        """An async context manager: `async with lock.write():` holds the exclusive write lock."""
        async with self._changed:
            self._writers_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._writing and not self._readers)
            finally:
                # Entering or giving up (cancelled): either way we no longer wait, and
                # readers we were holding back may be free to go.
                self._writers_waiting -= 1
                self._changed.notify_all()
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify_all()
