"""Kata 13, reference solution."""

import asyncio
import contextlib


async def collect_until_idle(source, idle):
    """Collect the items of the async iterator `source` until it ends or no item arrives
    for `idle` seconds; then close it and return the items."""
    items = []
    async with contextlib.aclosing(source):  # calls `await source.aclose()` on the way out
        while True:
            try:
                # A fresh timeout for each item: the idle time counts from the last one.
                async with asyncio.timeout(idle) as deadline:
                    item = await anext(source)
            except StopAsyncIteration:
                break  # the source ended
            except TimeoutError:
                if not deadline.expired():
                    raise  # the source's own TimeoutError, not our idle limit
                break  # idle too long: the pending anext() was cancelled
            items.append(item)
    return items
