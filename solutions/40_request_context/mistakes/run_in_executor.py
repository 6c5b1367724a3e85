"""Mistake: sends the last log line to a thread with loop.run_in_executor, which does not copy the context, so the thread sees no request id.

Rejected by: test_worker_thread_sees_the_id, test_fifty_interleaved_requests
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default=None)


async def handle(req, log):
    token = request_id.set(req["id"])
    try:
        log("start")

        async def part(i, delay):
            await asyncio.sleep(delay)
            log(f"part {i}")

        await asyncio.gather(*(part(i, d) for i, d in enumerate(req["parts"])))
        await asyncio.get_running_loop().run_in_executor(None, log, "end")
    finally:
        request_id.reset(token)
