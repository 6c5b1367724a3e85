"""Mistake: cancels the reader tasks on the way out but does not wait for them, so the sources are still open when the merge says it is closed.

Rejected by: test_closing_early_closes_every_source, test_an_error_in_one_source_propagates
"""

import asyncio

_ITEM, _DONE, _ERROR = "item", "done", "error"


async def merge(*sources):
    queue = asyncio.Queue()

    async def read(source):
        try:
            async for item in source:
                queue.put_nowait((_ITEM, item))
        except Exception as exc:
            queue.put_nowait((_ERROR, exc))
        else:
            queue.put_nowait((_DONE, None))

    readers = [asyncio.create_task(read(source)) for source in sources]
    try:
        running = len(readers)
        while running:
            kind, value = await queue.get()
            if kind == _ITEM:
                yield value
            elif kind == _DONE:
                running -= 1
            else:
                raise value
    finally:
        for reader in readers:
            reader.cancel()
