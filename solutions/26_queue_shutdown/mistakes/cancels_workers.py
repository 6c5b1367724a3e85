"""Mistake: stops by cancelling the workers instead of shutting the queue down: jobs in progress are cut off, queued jobs are never drained, and put() still succeeds.

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
            job = await queue.get()
            try:
                await handler(job)
                handled += 1
            finally:
                queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return handled
