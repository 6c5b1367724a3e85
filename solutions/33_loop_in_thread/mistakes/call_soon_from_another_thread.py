"""Mistake: submit() schedules the coroutine with loop.call_soon, which is not thread-safe:
it does not wake the loop up, so a loop idle in its thread never runs the coroutine.

Rejected by: test_submit_returns_a_future_with_the_result, test_errors_reach_the_caller
"""

import asyncio
import concurrent.futures
import threading


class LoopThread:
    def __init__(self):
        self._loop = None
        self._thread = None
        self._stopping = False

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
        if self._thread is None or self._stopping:
            coro.close()
            raise RuntimeError("the LoopThread is not running")
        future = concurrent.futures.Future()

        def report(task):
            if task.cancelled():
                future.cancel()
            elif task.exception() is not None:
                future.set_exception(task.exception())
            else:
                future.set_result(task.result())

        def schedule():
            if future.set_running_or_notify_cancel():
                self._loop.create_task(coro).add_done_callback(report)

        self._loop.call_soon(schedule)
        return future

    def stop(self, timeout=5.0):
        if self._thread is None:
            return
        if not self._stopping:
            self._stopping = True
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the loop's thread is still running")
