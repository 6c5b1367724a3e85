"""Mistake: checks "full" with `if` instead of `while`, so a woken put() adds its item even when a newcomer took the room first.

Rejected by: test_capacity_is_never_exceeded
"""

import asyncio
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.items = deque()
        lock = asyncio.Lock()
        self.not_full = asyncio.Condition(lock)
        self.not_empty = asyncio.Condition(lock)

    async def put(self, item):
        async with self.not_full:
            if len(self.items) >= self.capacity:
                await self.not_full.wait()
            self.items.append(item)
            self.not_empty.notify()

    async def get(self):
        async with self.not_empty:
            if not self.items:
                await self.not_empty.wait()
            item = self.items.popleft()
            self.not_full.notify()
            return item
