"""Mistake: add_sync calls `add` without running it, and computes the sum itself.

Rejected by: test_nothing_is_left_unawaited, test_add_sync_runs_the_coroutine
"""

import asyncio


async def add(a, b):
    await asyncio.sleep(0)
    return a + b


def add_sync(a, b):
    add(a, b)
    return a + b
