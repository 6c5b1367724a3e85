"""Mistake: yields from inside a TaskGroup, so closing the generator early makes the TaskGroup raise BaseExceptionGroup(GeneratorExit), and a page error comes out wrapped in a group.

Rejected by: test_leaving_early_cancels_the_prefetch, test_page_error_reaches_the_reader_in_order
"""
import asyncio


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch")
    async with asyncio.TaskGroup() as tg:
        pending = {n: tg.create_task(client.page(n)) for n in range(prefetch)}
        n = 0
        while True:
            items, has_more = await pending.pop(n)
            if has_more:
                pending[n + prefetch] = tg.create_task(client.page(n + prefetch))
            else:
                for t in pending.values():
                    t.cancel()
            for item in items:
                yield item
            if not has_more:
                break
            n += 1
