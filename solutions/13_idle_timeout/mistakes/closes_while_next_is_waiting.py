"""Mistake: stops waiting for the pending `anext()` without cancelling it, then tries to
close the source, which a generator still busy with a `next` refuses (RuntimeError).

Rejected by: test_stops_after_an_idle_gap, test_source_is_closed_after_going_idle
"""

import asyncio


async def collect_until_idle(source, idle):
    items = []
    while True:
        pending = asyncio.ensure_future(anext(source))
        done, _ = await asyncio.wait({pending}, timeout=idle)
        if not done:
            await source.aclose()
            return items
        try:
            items.append(pending.result())
        except StopAsyncIteration:
            await source.aclose()
            return items
