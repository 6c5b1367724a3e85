"""Mistake: creates the part tasks before setting the id; each task copied the context when it was created, so the parts see no id.

Rejected by: test_subtasks_see_the_id_and_overlap, test_fifty_interleaved_requests
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default=None)


async def handle(req, log):
    async def part(i, delay):
        await asyncio.sleep(delay)
        log(f"part {i}")

    tasks = [asyncio.create_task(part(i, d)) for i, d in enumerate(req["parts"])]
    token = request_id.set(req["id"])
    try:
        log("start")
        await asyncio.gather(*tasks)
        await asyncio.to_thread(log, "end")
    finally:
        request_id.reset(token)
