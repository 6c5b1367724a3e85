"""Mistake: on the way out it cancels the page tasks but does not await them, so they are still running when the generator is closed.

Rejected by: test_leaving_early_cancels_the_prefetch, test_page_error_reaches_the_reader_in_order
"""

import asyncio
from collections import deque


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    window = deque()
    next_page = 0
    try:
        for _ in range(prefetch):
            window.append(asyncio.create_task(client.page(next_page)))
            next_page += 1
        while True:
            items, has_more = await window.popleft()
            if has_more:
                window.append(asyncio.create_task(client.page(next_page)))
                next_page += 1
            for item in items:
                yield item
            if not has_more:
                return
    finally:
        for task in window:
            task.cancel()
