"""Mistake: wraps each fetch in a task but awaits the first task before creating the
second, so the tasks still run one after another.

Rejected by: test_waits_overlap_when_the_first_is_slower
"""

import asyncio


async def fetch_pair(fetch, a, b):
    value_a = await asyncio.create_task(fetch(a))
    value_b = await asyncio.create_task(fetch(b))
    return (value_a, value_b)
