"""Mistake: "restores" the id by setting it back to None, which erases whatever id the caller had set.

Rejected by: test_caller_context_is_left_as_it_was
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default=None)


async def handle(req, log):
    request_id.set(req["id"])
    try:
        log("start")

        async def part(i, delay):
            await asyncio.sleep(delay)
            log(f"part {i}")

        await asyncio.gather(*(part(i, d) for i, d in enumerate(req["parts"])))
        await asyncio.to_thread(log, "end")
    finally:
        request_id.set(None)
