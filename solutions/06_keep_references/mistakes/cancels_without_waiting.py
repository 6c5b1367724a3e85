"""Mistake: cancels the stragglers but returns without waiting for them to finish
cancelling, so they are still running when drain returns.

Rejected by: test_drain_cancels_stragglers_at_the_timeout
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
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
        errors, self._errors = self._errors, []
        return errors
