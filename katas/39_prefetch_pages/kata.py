"""Kata 39: prefetch pages. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
from collections import deque  # noqa: F401  (you may find it handy)


async def iter_items(client, *, prefetch=1):
    """Yield every item of every page, keeping `prefetch` page requests ahead."""
    raise NotImplementedError("iter_items: see katas/39_prefetch_pages/README.md")
    yield  # this `yield` makes iter_items an async generator
