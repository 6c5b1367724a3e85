"""Kata 10: all or nothing. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def fetch_strict(fetch, keys):
    """Fetch every key in a TaskGroup; the values in the order of `keys`, or the group's
    ExceptionGroup as soon as one fetch fails."""
    raise NotImplementedError("fetch_strict: see katas/10_all_or_nothing/README.md")


async def fetch_triaged(fetch, keys):
    """Fetch every key concurrently; return (found, missing): a KeyError means "missing",
    any other error fails the whole call."""
    raise NotImplementedError("fetch_triaged: see katas/10_all_or_nothing/README.md")
