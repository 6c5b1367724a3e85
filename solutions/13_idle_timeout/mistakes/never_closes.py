"""Mistake: stops collecting when the source goes idle but never closes it.

Rejected by: test_source_is_closed_after_going_idle, test_no_items
"""

import asyncio


async def collect_until_idle(source, idle):
    items = []
    while True:
        try:
            item = await asyncio.wait_for(anext(source), idle)
        except (TimeoutError, StopAsyncIteration):
            return items
        items.append(item)
