"""Mistake: each job takes its token as soon as it is submitted and only then waits for a free worker, so tokens taken early let several queued jobs start at the same instant later.

Rejected by: test_tokens_are_taken_when_attempts_start
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
        self.slots = asyncio.Semaphore(self.workers)
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
        await self.take()  # the token first...
        async with self.slots:  # ...then wait for a worker
            for attempt in range(self.max_retries + 1):
                if attempt:
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
