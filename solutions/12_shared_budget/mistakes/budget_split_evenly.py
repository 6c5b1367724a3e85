"""Mistake: splits the budget into equal slices, one per key, so a long fetch cannot use
the time the short ones left over.

Rejected by: test_long_fetch_may_use_time_left_by_short_ones
"""

import asyncio


async def fetch_chain(fetch, keys, budget):
    values = []
    if not keys:
        return values
    share = budget / len(keys)
    for key in keys:
        try:
            values.append(await asyncio.wait_for(fetch(key), share))
        except TimeoutError:
            break
    return values
