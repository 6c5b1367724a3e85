"""Mistake: no lock at all: concurrent transfers read the same old balance and overwrite each other's writes.

Rejected by: test_concurrent_overdraft_is_refused, test_transfers_sharing_an_account_take_turns, test_many_random_transfers_conserve_money
"""


class Bank:
    def __init__(self, store):
        self.store = store

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        balance = await self.store.read(src)
        if balance < amount:
            raise ValueError("insufficient funds")
        target = await self.store.read(dst)
        await self.store.write(src, balance - amount)
        await self.store.write(dst, target + amount)
