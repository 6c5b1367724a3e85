"""Mistake: `prefetch` fetcher tasks limit the requests in flight, but they keep fetching as fast as pages come, however far behind the reader is.

Rejected by: test_never_runs_more_than_prefetch_pages_ahead
"""

import asyncio
import itertools


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    results = {}
    numbers = itertools.count()
    last = None
    arrived = asyncio.Condition()

    async def fetcher():
        nonlocal last
        while True:
            n = next(numbers)
            if last is not None and n > last:
                return
            try:
                page = await client.page(n)
            except Exception as exc:
                page = exc
            async with arrived:
                results[n] = page
                if isinstance(page, Exception) or not page[1]:
                    last = n if last is None else min(last, n)
                arrived.notify_all()

    fetchers = [asyncio.create_task(fetcher()) for _ in range(prefetch)]
    try:
        n = 0
        while True:
            async with arrived:
                await arrived.wait_for(lambda: n in results)
            page = results.pop(n)
            if isinstance(page, Exception):
                raise page
            items, has_more = page
            for item in items:
                yield item
            if not has_more:
                return
            n += 1
    finally:
        for task in fetchers:
            task.cancel()
        await asyncio.gather(*fetchers, return_exceptions=True)
