"""Mistake: `add` is async but never awaits, so it never lets another task run.

Rejected by: test_add_gives_other_tasks_a_turn
"""

import asyncio


async def add(a, b):
    return a + b


def add_sync(a, b):
    return asyncio.run(add(a, b))
