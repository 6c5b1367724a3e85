"""Kata 44: a job runner (capstone). The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class JobRunner:
    """A worker pool with a shared rate limit, retries and a per-attempt timeout."""

    def __init__(self, workers, rate, max_retries, job_timeout):
        self.workers = workers
        self.rate = rate
        self.max_retries = max_retries
        self.job_timeout = job_timeout

    async def __aenter__(self):
        """Start the workers; return the runner."""
        raise NotImplementedError("JobRunner: see katas/44_job_runner/README.md")

    async def __aexit__(self, exc_type, exc, tb):
        """Wait for every submitted job (or, on an error, cancel them); stop the workers."""
        raise NotImplementedError("JobRunner: see katas/44_job_runner/README.md")

    def submit(self, coro_fn):
        """Queue `await coro_fn()`; return an asyncio.Future for its result."""
        raise NotImplementedError("JobRunner.submit: see katas/44_job_runner/README.md")
