"""Mistake: puts one `idle`-second timeout around the whole loop, so collecting stops
`idle` seconds after the start, however busy the source still is.

Rejected by: test_stops_after_an_idle_gap, test_idle_counts_from_the_last_item
"""

import asyncio


async def collect_until_idle(source, idle):
    items = []
    try:
        async with asyncio.timeout(idle):
            async for item in source:
                items.append(item)
    except TimeoutError:
        pass
    finally:
        await source.aclose()
    return items
