"""Mistake: cancels the pending next-item futures but never calls aclose(), so a source paused at its yield is never closed.

Rejected by: test_closing_after_a_pause_closes_paused_sources
"""

import asyncio


async def merge(*sources):
    pending = {asyncio.ensure_future(anext(source)): source for source in sources}
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                source = pending.pop(future)
                try:
                    item = future.result()
                except StopAsyncIteration:
                    continue
                yield item
                pending[asyncio.ensure_future(anext(source))] = source
    finally:
        for future in pending:
            future.cancel()
        if pending:
            await asyncio.wait(pending)
