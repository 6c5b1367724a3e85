"""Mistake: catches CancelledError around the sleep and goes round the loop again, so a cancelled poll never stops.

Rejected by: test_timeout_cancels_it_while_it_waits
"""

import asyncio


async def poll_until(check, interval):
    while True:
        try:
            if await check():
                return
        except Exception:
            pass
        try:
            await asyncio.sleep(interval)
        except asyncio.CancelledError:
            continue
