"""Kata 27, reference solution."""

import asyncio

_ITEM, _DONE, _ERROR = "item", "done", "error"


async def merge(*sources):
    """Yield the items of every async iterator in `sources` as they arrive."""
    queue = asyncio.Queue()  # unbounded: a reader never waits to hand an item over

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
        # Reached when every source ended, on an error, or when the reader of the merge
        # closes it early (GeneratorExit at the yield) or is cancelled.
        for reader in readers:
            reader.cancel()  # a source waiting for its next item is interrupted there
        await asyncio.gather(*readers, return_exceptions=True)
        for source in sources:
            if hasattr(source, "aclose"):
                await source.aclose()  # ends a generator paused at a yield
