"""Mistake: requests page 0 *and* `prefetch` pages after it before anything is read, one request more than allowed.

Rejected by: test_prefetch_two_keeps_two_pages_coming, test_never_runs_more_than_prefetch_pages_ahead
"""

import asyncio
from collections import deque


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    window = deque(asyncio.create_task(client.page(n)) for n in range(prefetch + 1))
    next_page = prefetch + 1
    try:
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
        await asyncio.gather(*window, return_exceptions=True)
