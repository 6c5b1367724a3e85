"""Mistake: drain sleeps for the whole timeout before cancelling, even when every task
ended long before.

Rejected by: test_drain_returns_as_soon_as_every_task_ends
"""

import asyncio


class TaskKeeper:
    def __init__(self):
        self._tasks = set()
        self._errors = []

    def spawn(self, coro, *, name=None):
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._errors.append(task.exception())

    def __len__(self):
        return len(self._tasks)

    async def drain(self, timeout):
        await asyncio.sleep(timeout)
        stragglers = list(self._tasks)
        for task in stragglers:
            task.cancel()
        await asyncio.gather(*stragglers, return_exceptions=True)
        errors, self._errors = self._errors, []
        return errors
