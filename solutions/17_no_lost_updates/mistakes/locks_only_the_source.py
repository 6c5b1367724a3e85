"""Mistake: locks only the source account, so two transfers into the same account still lose an update.

Rejected by: test_transfers_sharing_an_account_take_turns, test_many_random_transfers_conserve_money
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
        async with self.locks[src]:
            balance = await self.store.read(src)
            if balance < amount:
                raise ValueError("insufficient funds")
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
