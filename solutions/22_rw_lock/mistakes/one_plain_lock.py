"""Mistake: one asyncio.Lock for readers and writers alike, so readers never share.

Rejected by: test_readers_overlap, test_readers_after_a_write_go_together
"""

import asyncio


class RWLock:
    def __init__(self):
        self._lock = asyncio.Lock()

    def read(self):
        return self._lock

    def write(self):
        return self._lock
