"""Kata 40, reference solution."""

import asyncio
import contextvars

#: The id of the request being handled.
request_id = contextvars.ContextVar("request_id", default=None)


async def handle(req, log):
    """Handle one request with `request_id` set to req["id"], visible in every subtask and thread."""
    token = request_id.set(req["id"])
    try:
        log("start")

        async def part(i, delay):
            await asyncio.sleep(delay)
            log(f"part {i}")

        # Each task starts with a copy of the current context: the id is already set.
        await asyncio.gather(*(part(i, delay) for i, delay in enumerate(req["parts"])))
        # to_thread runs the function in a copy of the current context, too.
        await asyncio.to_thread(log, "end")
    finally:
        request_id.reset(token)  # the caller's context is as it was
