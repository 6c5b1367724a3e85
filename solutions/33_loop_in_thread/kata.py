"""Kata 33, reference solution."""

import asyncio
import threading


class LoopThread:
    """A synchronous façade over an event loop running in a background thread."""

    def __init__(self):
        self._loop = None
        self._thread = None
        self._stopping = False
        # Makes "is it accepting work?" and "schedule it" one step, so a submit racing
        # with stop() is either scheduled before the loop stops, or refused.
        self._lock = threading.Lock()

    def start(self):
        """Start the event loop in a new daemon thread; it accepts work once this returns."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("a LoopThread can only be started once")
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._run, name="LoopThread", daemon=True)
            self._thread.start()

    def _run(self):
        """The background thread: run the loop until stop(), then wind it down."""
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            # Cancel what is left and let it finish (its except/finally blocks may await).
            while tasks := asyncio.all_tasks(loop):
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def submit(self, coro):
        """Run the coroutine `coro` on the loop; return a concurrent.futures.Future for
        its result. Callable from any thread."""
        with self._lock:
            if self._thread is None or self._stopping:
                coro.close()  # it will never run: close it, so no "never awaited" warning
                raise RuntimeError("the LoopThread is not running (not started, or stopped)")
            # Thread-safe: wakes the loop up, wraps coro in a task there, and returns a
            # concurrent.futures.Future that follows the task (result, error, cancellation).
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout=5.0):
        """Cancel the work still running, close the loop and join the thread; raise
        TimeoutError if the thread has not ended after `timeout` seconds."""
        with self._lock:
            if self._thread is None:
                return  # never started: nothing to stop
            if not self._stopping:
                self._stopping = True
                self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the event loop's thread was still running after {timeout}s")
