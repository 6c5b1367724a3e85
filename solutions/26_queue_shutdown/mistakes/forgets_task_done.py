"""Mistake: never calls queue.task_done(), so a producer awaiting queue.join() waits forever.

Rejected by: test_every_job_taken_is_marked_done
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
            await handler(job)
            handled += 1

    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(workers):
                tg.create_task(worker())
            await stop.wait()
            queue.shutdown(immediate=immediate)
    finally:
        queue.shutdown(immediate=True)
    return handled
