"""Mistake: one background task fetches pages one after another into an asyncio.Queue(maxsize=prefetch), so two pages are never fetched at once and a finished page waiting in the queue lets the fetcher run a page further ahead than allowed.

Rejected by: test_prefetch_two_keeps_two_pages_coming, test_never_runs_more_than_prefetch_pages_ahead
"""

import asyncio


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    queue = asyncio.Queue(maxsize=prefetch)

    async def producer():
        n = 0
        while True:
            try:
                page = await client.page(n)
            except Exception as exc:
                await queue.put(exc)
                return
            await queue.put(page)
            if not page[1]:
                return
            n += 1

    task = asyncio.create_task(producer())
    try:
        while True:
            page = await queue.get()
            if isinstance(page, Exception):
                raise page
            items, has_more = page
            for item in items:
                yield item
            if not has_more:
                return
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
