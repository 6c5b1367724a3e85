"""Mistake: locks src then dst, in the transfer's direction: a->b and b->a can each hold one lock and wait forever for the other.

Rejected by: test_opposite_transfers_do_not_deadlock
"""

import asyncio
from collections import defaultdict


class Bank:
    def __init__(self, store):
        self.store = store
        self.locks = defaultdict(asyncio.Lock)

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        async with self.locks[src], self.locks[dst]:
            balance = await self.store.read(src)
            if balance < amount:
                raise ValueError("insufficient funds")
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
