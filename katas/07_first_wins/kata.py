"""Kata 07: first wins. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def race(fns):
    """Run every zero-argument async callable of `fns` at once; return the first
    successful result and cancel the rest."""
    raise NotImplementedError("race: see katas/07_first_wins/README.md")
