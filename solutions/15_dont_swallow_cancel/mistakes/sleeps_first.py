"""Mistake: sleeps before each check, so the first check comes one interval late.

Rejected by: test_first_check_is_immediate, test_checks_now_and_every_interval
"""

import asyncio


async def poll_until(check, interval):
    while True:
        await asyncio.sleep(interval)
        try:
            if await check():
                return
        except Exception:
            pass
