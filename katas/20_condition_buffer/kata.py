"""Kata 20: a bounded buffer on a Condition. The task is in README.md, next to this file.

asyncio.Queue does all of this already, which is why you may not use it here.
"""

import asyncio  # noqa: F401  (you will need it)
from collections import deque  # noqa: F401  (you may need it)


class BoundedBuffer:
    """A first-in first-out buffer holding at most `capacity` items."""

    def __init__(self, capacity):
        self.capacity = capacity

    async def put(self, item):
        """Add `item` at the end; while the buffer is full, wait for room."""
        raise NotImplementedError("BoundedBuffer.put: see katas/20_condition_buffer/README.md")

    async def get(self):
        """Remove and return the oldest item; while the buffer is empty, wait for one."""
        raise NotImplementedError("BoundedBuffer.get: see katas/20_condition_buffer/README.md")
