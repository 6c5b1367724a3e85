"""Mistake: catches CancelledError and returns quietly, so the timeout around it cannot tell it fired.

Rejected by: test_timeout_cancels_it_while_it_waits, test_timeout_cancels_a_check_in_progress
"""

import asyncio


async def poll_until(check, interval):
    try:
        while True:
            try:
                if await check():
                    return
            except Exception:
                pass
            await asyncio.sleep(interval)
    except asyncio.CancelledError:
        return
