"""Mistake: checks the balance before taking the locks, so two transfers can both pass the check and overdraw the account.

Rejected by: test_concurrent_overdraft_is_refused
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
        if await self.store.read(src) < amount:
            raise ValueError("insufficient funds")
        first, second = sorted((src, dst))
        async with self.locks[first], self.locks[second]:
            balance = await self.store.read(src)
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
