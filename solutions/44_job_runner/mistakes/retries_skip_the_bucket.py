"""Mistake: takes a token for a job's first attempt only, so retries start without one and can break the rate limit.

Rejected by: test_cancelling_a_future_cancels_its_job, test_seeded_batch_exact_time
"""

import asyncio


class TokenBucket:
    """`rate` tokens a second, up to `capacity`; starts full; waiters served in order."""

    def __init__(self, rate, capacity):
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = asyncio.get_running_loop().time()
        self.turn = asyncio.Lock()  # one waiter at a time, first come first served

    async def take(self):
        loop = asyncio.get_running_loop()
        async with self.turn:
            while True:
                now = loop.time()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1 - 1e-9:  # (float rounding must not cost a wake-up)
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)

    def give_back(self):
        self.tokens = min(self.capacity, self.tokens + 1)


class JobRunner:
    """A worker pool with a shared rate limit, retries and a per-attempt timeout."""

    def __init__(self, workers, rate, max_retries, job_timeout):
        self.workers = workers
        self.rate = rate
        self.max_retries = max_retries
        self.job_timeout = job_timeout
        self._open = False

    async def __aenter__(self):
        self._queue = asyncio.Queue()
        self._bucket = TokenBucket(self.rate, max(1.0, self.rate))
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        self._open = True
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self._open = False
        try:
            if exc_type is None:
                await self._queue.join()  # every submitted job has finished
        finally:
            # Normal exit: the workers are idle. Error (or our own cancellation): this
            # cancels the running attempts too, and the queued jobs are dropped.
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            while not self._queue.empty():
                _, future = self._queue.get_nowait()
                future.cancel()
        return False  # an error in the body propagates

    def submit(self, coro_fn):
        """Queue `await coro_fn()`; return a future for its result."""
        if not self._open:
            raise RuntimeError("submit() is only allowed inside `async with JobRunner(...)`")
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((coro_fn, future))
        return future

    async def _worker(self):
        while True:
            coro_fn, future = await self._queue.get()
            try:
                if not future.done():  # a job cancelled while queued is skipped
                    await self._run(coro_fn, future)
            except asyncio.CancelledError:
                future.cancel()  # the runner is shutting down on an error
                raise
            finally:
                self._queue.task_done()

    async def _run(self, coro_fn, future):
        for attempt_number in range(self.max_retries + 1):
            if attempt_number == 0:
                await self._bucket.take()
                if future.done():
                    self._bucket.give_back()
                    return
            attempt = asyncio.create_task(self._attempt(coro_fn))

            def give_up(_, attempt=attempt):
                attempt.cancel()  # the caller cancelled the job's future

            future.add_done_callback(give_up)
            try:
                result = await attempt
            except asyncio.CancelledError:
                if future.cancelled():
                    return  # cancelled by the caller: no retry
                raise
            except Exception as exc:  # TimeoutError included
                error = exc
            else:
                future.set_result(result)
                return
            finally:
                future.remove_done_callback(give_up)
        future.set_exception(error)

    async def _attempt(self, coro_fn):
        async with asyncio.timeout(self.job_timeout):  # None: no limit
            return await coro_fn()
