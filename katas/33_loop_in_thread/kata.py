"""Kata 33: an event loop in a thread. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
import threading  # noqa: F401  (you will need it)


class LoopThread:
    """A synchronous façade over an event loop running in a background thread."""

    def __init__(self):
        pass

    def start(self):
        """Start the event loop in a new daemon thread; it accepts work once this returns."""
        raise NotImplementedError("LoopThread.start: see katas/33_loop_in_thread/README.md")

    def submit(self, coro):
        """Run the coroutine `coro` on the loop; return a concurrent.futures.Future for
        its result. Callable from any thread."""
        raise NotImplementedError("LoopThread.submit: see katas/33_loop_in_thread/README.md")

    def stop(self, timeout=5.0):
        """Cancel the work still running, close the loop and join the thread; raise
        TimeoutError if the thread has not ended after `timeout` seconds."""
        raise NotImplementedError("LoopThread.stop: see katas/33_loop_in_thread/README.md")
