"""Kata 26, reference solution (Python 3.13+)."""

import asyncio


async def run_service(queue, handler, workers, *, stop, immediate):
    """Serve `queue` with `workers` tasks until `stop` is set, then shut the queue down
    (`immediate` drops the jobs still queued); return how many jobs were handled."""
    if workers < 1:
        raise ValueError("run_service needs at least one worker")
    handled = 0

    async def worker():
        nonlocal handled
        while True:
            try:
                job = await queue.get()
            except asyncio.QueueShutDown:
                return  # shut down, and nothing more to hand out
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
            # Graceful: get() keeps handing out what is queued, then raises.
            # Immediate: the queue is emptied and get() raises at once.
            # Either way put() raises from now on; jobs in progress finish.
            queue.shutdown(immediate=immediate)
    finally:
        # On an error or a cancellation too: nobody will serve this queue any more.
        queue.shutdown(immediate=True)
    return handled
