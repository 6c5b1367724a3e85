"""Mistake: yields with a real delay (sleep(0.1)) instead of a bare turn (sleep(0)).

Rejected by: test_add_gives_other_tasks_a_turn
"""

import asyncio


async def add(a, b):
    await asyncio.sleep(0.1)
    return a + b


def add_sync(a, b):
    return asyncio.run(add(a, b))
