"""Kata 01, reference solution."""

import asyncio


async def add(a, b):
    """Let the event loop run other tasks once, then return a + b."""
    await asyncio.sleep(0)
    return a + b


def add_sync(a, b):
    """From plain synchronous code, run `add(a, b)` and return its result."""
    return asyncio.run(add(a, b))
