"""Mistake: prefetches well but never cancels the requests still on their way when the reader stops early or a page fails.

Rejected by: test_leaving_early_cancels_the_prefetch, test_page_error_reaches_the_reader_in_order
"""

import asyncio
from collections import deque


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    window = deque(asyncio.create_task(client.page(n)) for n in range(prefetch))
    next_page = prefetch
    while True:
        items, has_more = await window.popleft()
        if has_more:
            window.append(asyncio.create_task(client.page(next_page)))
            next_page += 1
        for item in items:
            yield item
        if not has_more:
            for task in window:
                task.cancel()
            await asyncio.gather(*window, return_exceptions=True)
            return
