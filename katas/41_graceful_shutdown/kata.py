"""Kata 41: graceful shutdown. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class Service:
    """Runs submitted jobs; on request_stop, gives in-flight jobs `grace` seconds, then cancels them."""

    def __init__(self, grace):
        self.grace = grace

    async def run(self):
        """Serve until request_stop(); then drain (at most `grace` seconds) and return."""
        raise NotImplementedError("Service.run: see katas/41_graceful_shutdown/README.md")

    def submit(self, job):
        """Start `await job()` now and return True; after request_stop(), return False."""
        raise NotImplementedError("Service.submit: see katas/41_graceful_shutdown/README.md")

    def request_stop(self):
        """Begin the shutdown: refuse new jobs, start the grace period."""
        raise NotImplementedError("Service.request_stop: see katas/41_graceful_shutdown/README.md")
