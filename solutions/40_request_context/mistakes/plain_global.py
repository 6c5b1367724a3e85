"""Mistake: keeps the id in a plain module global, which every request shares, so interleaved requests overwrite each other's id.

Rejected by: test_handler_sees_its_id, test_fifty_interleaved_requests
"""

import asyncio

request_id = None


async def handle(req, log):
    global request_id
    previous = request_id
    request_id = req["id"]
    try:
        log("start")

        async def part(i, delay):
            await asyncio.sleep(delay)
            log(f"part {i}")

        await asyncio.gather(*(part(i, d) for i, d in enumerate(req["parts"])))
        await asyncio.to_thread(log, "end")
    finally:
        request_id = previous
