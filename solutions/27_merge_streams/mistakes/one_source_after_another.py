"""Mistake: reads the sources one after another, so the items of later sources arrive late and out of order.

Rejected by: test_items_arrive_as_they_are_emitted
"""


async def merge(*sources):
    for source in sources:
        async for item in source:
            yield item
