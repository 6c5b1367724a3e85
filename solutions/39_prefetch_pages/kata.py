"""Kata 39, reference solution."""

import asyncio
from collections import deque


async def iter_items(client, *, prefetch=1):
    """Yield every item of every page, keeping `prefetch` page requests ahead."""
    if prefetch < 1:
        raise ValueError(f"prefetch must be at least 1, not {prefetch!r}")
    window = deque()  # page requests made but not taken yet, in page order
    next_page = 0

    def request():
        nonlocal next_page
        window.append(asyncio.create_task(client.page(next_page)))
        next_page += 1

    try:
        for _ in range(prefetch):
            request()
        has_more = True
        while has_more:
            items, has_more = await window.popleft()
            if has_more:
                request()  # keep `prefetch` pages on their way while this one is read
            else:
                for task in window:  # pages past the last one: not needed
                    task.cancel()
            for item in items:
                yield item
    finally:
        # The end, an error, or the consumer leaving early (aclose): cancel what is
        # still on its way, and wait until it has really stopped.
        for task in window:
            task.cancel()
        await asyncio.gather(*window, return_exceptions=True)
