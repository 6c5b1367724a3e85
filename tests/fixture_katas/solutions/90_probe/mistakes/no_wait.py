"""Mistake: returns at once.

Rejected by: test_takes_one_second, test_can_be_cancelled
"""


async def double(x):
    return 2 * x
