"""Kata 27: merging streams. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def merge(*sources):
    """Yield the items of every async iterator in `sources` as they arrive."""
    raise NotImplementedError("merge: see katas/27_merge_streams/README.md")
    yield  # the `yield` makes merge an async generator
