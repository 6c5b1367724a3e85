"""Mistake: on the way out it cancels and awaits only the page tasks still running, so a prefetched page that already failed is never collected and asyncio logs "Task exception was never retrieved".

Rejected by: test_leaving_before_a_failed_page_is_quiet
"""

import asyncio


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    tasks = [asyncio.create_task(client.page(n)) for n in range(prefetch)]
    i = 0
    try:
        while True:
            items, has_more = await tasks[i]
            i += 1
            if has_more:
                tasks.append(asyncio.create_task(client.page(len(tasks))))
            for item in items:
                yield item
            if not has_more:
                break
    finally:
        running = [t for t in tasks if not t.done()]
        for t in running:
            t.cancel()
        if running:
            await asyncio.wait(running)
