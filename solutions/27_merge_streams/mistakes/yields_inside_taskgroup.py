"""Mistake: yields from inside a TaskGroup; closing the merge throws GeneratorExit into the group, which comes out of aclose() wrapped in an exception group.

Rejected by: test_closing_early_closes_every_source
"""

import asyncio

_ITEM, _DONE = "item", "done"


async def merge(*sources):
    queue = asyncio.Queue()

    async def read(source):
        async for item in source:
            queue.put_nowait((_ITEM, item))
        queue.put_nowait((_DONE, None))

    async with asyncio.TaskGroup() as tg:
        for source in sources:
            tg.create_task(read(source))
        running = len(sources)
        while running:
            kind, value = await queue.get()
            if kind == _ITEM:
                yield value
            else:
                running -= 1
