"""Mistake: fetches one key after another, yielding each value before starting the next
fetch, so the pairs come in input order and nothing overlaps.

Rejected by: test_pairs_come_in_completion_order, test_each_pair_arrives_when_its_fetch_ends
"""


async def stream_results(fetch, keys):
    for key in keys:
        yield key, await fetch(key)
