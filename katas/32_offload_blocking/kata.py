"""Kata 32: offload blocking calls. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def read_all(paths, read_blocking, limit):
    """Run `read_blocking(path)` for every path in worker threads, at most `limit` at
    once, without blocking the event loop; return {path: what it returned}."""
    raise NotImplementedError("read_all: see katas/32_offload_blocking/README.md")
