"""Kata 15: don't swallow cancellation. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def poll_until(check, interval):
    """Call `await check()` now and every `interval` seconds until it returns a true
    value; an Exception from check means "not yet"; cancellation always propagates."""
    raise NotImplementedError("poll_until: see katas/15_dont_swallow_cancel/README.md")
