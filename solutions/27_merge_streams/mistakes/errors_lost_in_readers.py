"""Mistake: a reader task that hits an error just dies; nobody tells the merge, which then waits forever for that source to end.

Rejected by: test_an_error_in_one_source_propagates
"""

import asyncio

_DONE = object()


async def merge(*sources):
    queue = asyncio.Queue()

    async def read(source):
        async for item in source:
            queue.put_nowait(item)
        queue.put_nowait(_DONE)

    readers = [asyncio.create_task(read(source)) for source in sources]
    try:
        running = len(readers)
        while running:
            item = await queue.get()
            if item is _DONE:
                running -= 1
            else:
                yield item
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for source in sources:
            if hasattr(source, "aclose"):
                await source.aclose()
