"""Mistake: wraps asyncio.Queue, which the kata forbids: the point is to build the waiting on a Condition.

Rejected by: test_does_not_use_asyncio_queue
"""

import asyncio


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.queue = asyncio.Queue(maxsize=capacity)

    async def put(self, item):
        await self.queue.put(item)

    async def get(self):
        return await self.queue.get()
