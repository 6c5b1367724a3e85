"""Mistake: stop() runs a shutdown coroutine that cancels the other tasks and then calls
loop.stop() itself; the loop stops before that coroutine's own future is completed, so
stop() waits on it in vain and times out.

Rejected by: test_stop_cancels_pending_work, test_stop_closes_the_loop_and_joins_the_thread
"""

import asyncio
import threading


class LoopThread:
    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = False
        self._stopping = False

    def _run(self):
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def start(self):
        if self._started:
            raise RuntimeError("already started")
        self._started = True
        self._thread.start()

    def submit(self, coro):
        if not self._started or self._stopping:
            coro.close()
            raise RuntimeError("the LoopThread is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _shutdown(self):
        me = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not me]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        asyncio.get_running_loop().stop()

    def stop(self, timeout=5.0):
        if not self._started or self._stopping:
            return
        self._stopping = True
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
        self._thread.join(timeout)
