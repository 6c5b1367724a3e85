"""Mistake: waits for queue.join() before shutting the queue down, so jobs put after stop are still accepted and an immediate stop drops nothing.

Rejected by: test_graceful_shutdown_drains_the_queue, test_immediate_shutdown_drops_queued_jobs
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

    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(workers):
                tg.create_task(worker())
            await stop.wait()
            await queue.join()
            queue.shutdown(immediate=immediate)
    finally:
        queue.shutdown(immediate=True)
    return handled
