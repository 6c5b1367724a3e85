"""Mistake: one lock for the whole bank: correct, but transfers between unrelated accounts wait for each other.

Rejected by: test_disjoint_transfers_overlap
"""

import asyncio


class Bank:
    def __init__(self, store):
        self.store = store
        self.lock = asyncio.Lock()

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        async with self.lock:
            balance = await self.store.read(src)
            if balance < amount:
                raise ValueError("insufficient funds")
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
