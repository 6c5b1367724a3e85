"""Kata 26: shutting a queue down (Python 3.13+). The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def run_service(queue, handler, workers, *, stop, immediate):
    """Serve `queue` with `workers` tasks until `stop` is set, then shut the queue down;
    return how many jobs were handled."""
    raise NotImplementedError("run_service: see katas/26_queue_shutdown/README.md")
