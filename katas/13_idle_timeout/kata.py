"""Kata 13: an idle timeout. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def collect_until_idle(source, idle):
    """Collect the items of the async iterator `source` until it ends or no item arrives
    for `idle` seconds; then close it and return the items."""
    raise NotImplementedError("collect_until_idle: see katas/13_idle_timeout/README.md")
