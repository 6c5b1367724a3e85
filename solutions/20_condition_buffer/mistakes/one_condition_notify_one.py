"""Mistake: one Condition for putters and getters with notify(): a get() can wake another get() instead of the waiting put(), and both sides sleep forever.

Rejected by: test_many_producers_and_consumers
"""

import asyncio
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.items = deque()
        self.changed = asyncio.Condition()

    async def put(self, item):
        async with self.changed:
            while len(self.items) >= self.capacity:
                await self.changed.wait()
            self.items.append(item)
            self.changed.notify()

    async def get(self):
        async with self.changed:
            while not self.items:
                await self.changed.wait()
            item = self.items.popleft()
            self.changed.notify()
            return item
