"""Mistake: stop() asks the loop to stop and returns at once, without joining the thread:
the loop is still winding down (and not closed) when stop() returns.

Rejected by: test_stop_closes_the_loop_and_joins_the_thread
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
        loop = self._loop
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

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
