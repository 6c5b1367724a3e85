"""Mistake: awaits each part before starting the next, so a request takes the sum of its parts instead of the longest.

Rejected by: test_subtasks_see_the_id_and_overlap, test_fifty_interleaved_requests
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default=None)


async def handle(req, log):
    token = request_id.set(req["id"])
    try:
        log("start")
        for i, delay in enumerate(req["parts"]):
            await asyncio.sleep(delay)
            log(f"part {i}")
        await asyncio.to_thread(log, "end")
    finally:
        request_id.reset(token)
