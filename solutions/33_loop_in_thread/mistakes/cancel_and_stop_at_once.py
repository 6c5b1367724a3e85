"""Mistake: cancels every task and stops the loop in the same callback, so the tasks never
get a turn to handle their cancellation: their futures never complete.

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
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def _cancel_all_and_stop(self):
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.stop()

    def submit(self, coro):
        if self._thread is None or self._stopped:
            coro.close()
            raise RuntimeError("the LoopThread is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout=5.0):
        if self._thread is None:
            return
        if not self._stopped:
            self._stopped = True
            self._loop.call_soon_threadsafe(self._cancel_all_and_stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the loop's thread is still running")
