"""Mistake: waits by checking the counts in a loop with `await asyncio.sleep(0.1)`: the
rules are right, but waiters keep waking up for nothing (and get in up to 0.1 s late).

Rejected by: test_no_busy_waiting
"""

import asyncio
import contextlib


class RWLock:
    def __init__(self):
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def read(self):
        while self._writing or self._writers_waiting:
            await asyncio.sleep(0.1)
        self._readers += 1
        try:
            yield
        finally:
            self._readers -= 1

    @contextlib.asynccontextmanager
    async def write(self):
        self._writers_waiting += 1
        try:
            while self._writing or self._readers:
                await asyncio.sleep(0.1)
        finally:
            self._writers_waiting -= 1
        self._writing = True
        try:
            yield
        finally:
            self._writing = False
