"""Mistake: awaits each fetch before starting the next, so nothing overlaps.

Rejected by: test_fetches_overlap, test_many_keys_all_at_once
"""


async def fetch_all(fetch, keys):
    return [await fetch(key) for key in keys]
