"""Kata 24: backpressure. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def pump(source, sink, maxsize):
    """Move every item of the async iterator `source` to `await sink(item)`, through a
    queue of at most `maxsize` items; return how many items were moved."""
    raise NotImplementedError("pump: see katas/24_backpressure/README.md")
