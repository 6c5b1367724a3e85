"""Kata 01: hello, coroutine. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def add(a, b):
    """Let the event loop run other tasks once, then return a + b."""
    raise NotImplementedError("add: see katas/01_hello_coroutine/README.md")


def add_sync(a, b):
    """From plain synchronous code, run `add(a, b)` and return its result."""
    raise NotImplementedError("add_sync: see katas/01_hello_coroutine/README.md")
