"""Mistake: a full put() or empty get() polls every 10 ms instead of sleeping until the other side wakes it.

Rejected by: test_waiting_does_not_poll
"""

import asyncio
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.items = deque()

    async def put(self, item):
        while len(self.items) >= self.capacity:
            await asyncio.sleep(0.01)
        self.items.append(item)

    async def get(self):
        while not self.items:
            await asyncio.sleep(0.01)
        return self.items.popleft()
