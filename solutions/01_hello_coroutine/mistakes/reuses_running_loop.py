"""Mistake: add_sync works around the running loop with a thread, hiding the error.

Rejected by: test_add_sync_refuses_to_run_inside_a_loop
"""

import asyncio
import concurrent.futures


async def add(a, b):
    await asyncio.sleep(0)
    return a + b


def add_sync(a, b):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, add(a, b)).result()
