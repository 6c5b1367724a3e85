"""Mistake: get() takes the newest item (deque.pop()) instead of the oldest: last in, first out.

Rejected by: test_items_come_out_first_in_first_out, test_many_producers_and_consumers
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
            await self.not_full.wait_for(lambda: len(self.items) < self.capacity)
            self.items.append(item)
            self.not_empty.notify()

    async def get(self):
        async with self.not_empty:
            await self.not_empty.wait_for(lambda: self.items)
            item = self.items.pop()
            self.not_full.notify()
            return item
