"""Kata 17: no lost updates. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class Bank:
    """Moves money between accounts kept in `store`, safely under concurrency."""

    def __init__(self, store):
        self.store = store

    async def transfer(self, src, dst, amount):
        """Move `amount` from account `src` to account `dst`."""
        raise NotImplementedError("Bank.transfer: see katas/17_no_lost_updates/README.md")
