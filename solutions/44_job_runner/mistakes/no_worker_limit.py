"""Mistake: submit starts every job as its own task at once (rate-limited, but with no pool), so far more than `workers` jobs run at the same time.

Rejected by: test_workers_limit_the_jobs_in_flight, test_seeded_batch_exact_time
"""

import asyncio


class JobRunner:
    def __init__(self, workers, rate, max_retries, job_timeout):
        self.workers = workers
        self.rate = rate
        self.max_retries = max_retries
        self.job_timeout = job_timeout
        self.tasks = []
        self.open = False

    async def __aenter__(self):
        self.lock = asyncio.Lock()
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.updated = asyncio.get_running_loop().time()
        self.open = True
        return self

    async def take(self):
        loop = asyncio.get_running_loop()
        async with self.lock:
            while True:
                now = loop.time()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1 - 1e-9:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)

    async def job(self, coro_fn):
        error = None
        for _ in range(self.max_retries + 1):
            await self.take()
            try:
                async with asyncio.timeout(self.job_timeout):
                    return await coro_fn()
            except Exception as exc:
                error = exc
        raise error

    def submit(self, coro_fn):
        if not self.open:
            raise RuntimeError("closed")
        task = asyncio.create_task(self.job(coro_fn))
        self.tasks.append(task)
        return task

    async def __aexit__(self, exc_type, exc, tb):
        self.open = False
        if exc_type is not None:
            for task in self.tasks:
                task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        return False
