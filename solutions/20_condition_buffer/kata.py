"""Kata 20, reference solution."""

import asyncio
from collections import deque


class BoundedBuffer:
    """A first-in first-out buffer holding at most `capacity` items."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity!r}")
        self.capacity = capacity
        self._items = deque()
        # Two conditions on one lock: putters wait for room, getters for an item, and
        # each side wakes only the other side.
        lock = asyncio.Lock()
        self._not_full = asyncio.Condition(lock)
        self._not_empty = asyncio.Condition(lock)

    async def put(self, item):
        """Add `item` at the end; while the buffer is full, wait for room."""
        async with self._not_full:
            # A loop, not an `if`: another putter may have taken the room between the
            # notify that woke us and the moment we got the lock back.
            while len(self._items) >= self.capacity:
                await self._not_full.wait()
            self._items.append(item)
            self._not_empty.notify()

    async def get(self):
        """Remove and return the oldest item; while the buffer is empty, wait for one."""
        async with self._not_empty:
            while not self._items:
                await self._not_empty.wait()
            item = self._items.popleft()
            self._not_full.notify()
            return item
