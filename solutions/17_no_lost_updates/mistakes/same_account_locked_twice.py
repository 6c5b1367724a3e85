"""Mistake: never refuses src == dst, and asyncio.Lock is not reentrant: a transfer from an account to itself waits for its own lock forever.

Rejected by: test_invalid_transfers_are_refused
"""

import asyncio
from collections import defaultdict


class Bank:
    def __init__(self, store):
        self.store = store
        self.locks = defaultdict(asyncio.Lock)

    async def transfer(self, src, dst, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        first, second = sorted((src, dst))
        async with self.locks[first], self.locks[second]:
            balance = await self.store.read(src)
            if balance < amount:
                raise ValueError("insufficient funds")
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
