"""Kata 17, reference solution."""

import asyncio
from collections import defaultdict


class Bank:
    """Moves money between accounts kept in `store`, safely under concurrency."""

    def __init__(self, store):
        self.store = store
        self._locks = defaultdict(asyncio.Lock)  # one lock per account, made on first use

    async def transfer(self, src, dst, amount):
        """Move `amount` from account `src` to account `dst`."""
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount!r}")
        if src == dst:
            raise ValueError(f"cannot transfer from {src!r} to itself")
        # Every transfer takes its two locks in the same (sorted) order, so two transfers
        # can never each hold one lock while waiting for the other's.
        first, second = sorted((src, dst))
        async with self._locks[first], self._locks[second]:
            balance = await self.store.read(src)
            if balance < amount:
                raise ValueError(f"insufficient funds in {src!r}: {balance} < {amount}")
            target = await self.store.read(dst)
            await self.store.write(src, balance - amount)
            await self.store.write(dst, target + amount)
