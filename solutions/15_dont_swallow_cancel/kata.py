"""Kata 15, reference solution."""

import asyncio


async def poll_until(check, interval):
    """Call `await check()` now and every `interval` seconds until it returns a true
    value; an Exception from check means "not yet"; cancellation always propagates."""
    while True:
        try:
            if await check():
                return
        except Exception:  # not yet. CancelledError is no Exception: it goes through
            pass
        await asyncio.sleep(interval)
