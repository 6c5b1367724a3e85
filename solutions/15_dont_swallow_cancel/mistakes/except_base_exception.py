"""Mistake: treats every failure of check as "not yet" with `except BaseException`, which also swallows the CancelledError of a timeout that lands during a check.

Rejected by: test_timeout_cancels_a_check_in_progress
"""

import asyncio


async def poll_until(check, interval):
    while True:
        try:
            if await check():
                return
        except BaseException:
            pass
        await asyncio.sleep(interval)
