"""Kata 22: readers-writer lock. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
import contextlib  # noqa: F401  (handy for the context managers)


class RWLock:
    """Many readers at once, or one writer alone; a waiting writer goes before new readers."""

    def __init__(self):
        pass

    def read(self):
        """An async context manager: `async with lock.read():` holds a shared read lock."""
        raise NotImplementedError("RWLock.read: see katas/22_rw_lock/README.md")

    def write(self):
        """An async context manager: `async with lock.write():` holds the exclusive write lock."""
        raise NotImplementedError("RWLock.write: see katas/22_rw_lock/README.md")
