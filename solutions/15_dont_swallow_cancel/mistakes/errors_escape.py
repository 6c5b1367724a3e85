"""Mistake: lets an error from check escape instead of counting it as "not yet".

Rejected by: test_check_errors_count_as_not_yet
"""

import asyncio


async def poll_until(check, interval):
    while not await check():
        await asyncio.sleep(interval)
