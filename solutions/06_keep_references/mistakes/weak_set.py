"""Mistake: keeps the tasks in a weakref.WeakSet, which does not keep them alive, so a
waiting task can be garbage-collected half-way.

Rejected by: test_tasks_survive_garbage_collection
"""

import asyncio
import weakref


class TaskKeeper:
    def __init__(self):
        self._tasks = weakref.WeakSet()
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
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        errors, self._errors = self._errors, []
        return errors
