"""Mistake: handles the idle timeout but not the end of the source, so the
StopAsyncIteration of a finished source escapes to the caller.

Rejected by: test_collects_every_item_until_the_source_ends, test_no_items
"""

import asyncio


async def collect_until_idle(source, idle):
    items = []
    try:
        while True:
            try:
                item = await asyncio.wait_for(anext(source), idle)
            except TimeoutError:
                return items
            items.append(item)
    finally:
        await source.aclose()
