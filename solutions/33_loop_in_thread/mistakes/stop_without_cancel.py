"""Mistake: stop() only stops and closes the loop; the coroutines still running are never
cancelled, so their futures never complete and their cleanup never runs.

Rejected by: test_stop_cancels_pending_work
"""

import asyncio
import threading


class LoopThread:
    def __init__(self):
        self._loop = None
        self._thread = None
        self._stopped = False

    def start(self):
        if self._thread is not None:
            raise RuntimeError("a LoopThread can only be started once")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def submit(self, coro):
        if self._thread is None or self._stopped:
            coro.close()
            raise RuntimeError("the LoopThread is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout=5.0):
        if self._thread is None or self._stopped:
            return
        self._stopped = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the loop's thread is still running")
        self._loop.close()
