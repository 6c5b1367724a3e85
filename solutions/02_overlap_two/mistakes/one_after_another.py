"""Mistake: awaits the first fetch before starting the second: correct values, no overlap.

Rejected by: test_waits_overlap_when_the_first_is_slower, test_waits_overlap_when_the_second_is_slower
"""


async def fetch_pair(fetch, a, b):
    value_a = await fetch(a)
    value_b = await fetch(b)
    return (value_a, value_b)
