"""Kata 12, reference solution."""

import asyncio


async def fetch_chain(fetch, keys, budget):
    """Fetch the keys one after another, all within `budget` seconds in total; return the
    values completed in time."""
    values = []
    try:
        # One timeout around the whole chain: every fetch draws on the same budget.
        async with asyncio.timeout(budget) as deadline:
            for key in keys:
                values.append(await fetch(key))
    except TimeoutError:
        if not deadline.expired():
            raise  # the fetch's own TimeoutError, not our budget
    return values
