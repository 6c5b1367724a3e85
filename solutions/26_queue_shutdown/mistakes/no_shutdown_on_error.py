"""Mistake: shuts the queue down only when stop is set; after a handler error or a cancellation the queue stays open for producers although nobody serves it.

Rejected by: test_handler_error_stops_the_service, test_cancelling_the_service
"""

import asyncio


async def run_service(queue, handler, workers, *, stop, immediate):
    if workers < 1:
        raise ValueError("run_service needs at least one worker")
    handled = 0

    async def worker():
        nonlocal handled
        while True:
            try:
                job = await queue.get()
            except asyncio.QueueShutDown:
                return
            try:
                await handler(job)
                handled += 1
            finally:
                queue.task_done()

    async with asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())
        await stop.wait()
        queue.shutdown(immediate=immediate)
    return handled
