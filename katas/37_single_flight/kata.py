"""Kata 37: single flight (request coalescing). The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class SingleFlight:
    """Concurrent callers asking for the same key share one in-flight call."""

    def __init__(self):
        pass

    async def do(self, key, fn):
        """Return the result of `await fn()`, sharing a call already in flight for `key`."""
        raise NotImplementedError("SingleFlight.do: see katas/37_single_flight/README.md")
