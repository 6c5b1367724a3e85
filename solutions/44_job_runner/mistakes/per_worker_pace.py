"""Mistake: each worker paces itself (1/rate seconds between its own attempts) instead of sharing one bucket, so the workers together start far more than `rate` attempts a second.

Rejected by: test_rate_limits_the_starts, test_seeded_batch_exact_time
"""

import asyncio


class JobRunner:
    def __init__(self, workers, rate, max_retries, job_timeout):
        self.workers = workers
        self.rate = rate
        self.max_retries = max_retries
        self.job_timeout = job_timeout
        self.open = False

    async def __aenter__(self):
        self.queue = asyncio.Queue()
        self.pool = [asyncio.create_task(self.work()) for _ in range(self.workers)]
        self.open = True
        return self

    def submit(self, coro_fn):
        if not self.open:
            raise RuntimeError("closed")
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((coro_fn, future))
        return future

    async def work(self):
        loop = asyncio.get_running_loop()
        next_start = loop.time()
        while True:
            coro_fn, future = await self.queue.get()
            try:
                error = None
                for _ in range(self.max_retries + 1):
                    if future.done():
                        break
                    wait = next_start - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    next_start = loop.time() + 1 / self.rate
                    try:
                        async with asyncio.timeout(self.job_timeout):
                            result = await coro_fn()
                    except Exception as exc:
                        error = exc
                    else:
                        future.set_result(result)
                        break
                else:
                    future.set_exception(error)
            except asyncio.CancelledError:
                future.cancel()
                raise
            finally:
                self.queue.task_done()

    async def __aexit__(self, exc_type, exc, tb):
        self.open = False
        if exc_type is None:
            await self.queue.join()
        for task in self.pool:
            task.cancel()
        await asyncio.gather(*self.pool, return_exceptions=True)
        while not self.queue.empty():
            self.queue.get_nowait()[1].cancel()
        return False
