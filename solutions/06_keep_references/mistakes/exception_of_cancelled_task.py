"""Mistake: the done-callback calls task.exception() on a cancelled task, which raises
CancelledError, so the callback dies before dropping the task.

Rejected by: test_len_counts_tasks_until_they_end, test_drain_cancels_stragglers_at_the_timeout
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
        error = task.exception()
        if error is not None:
            self._errors.append(error)
        self._tasks.discard(task)

    def __len__(self):
        return len(self._tasks)

    async def drain(self, timeout):
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        errors, self._errors = self._errors, []
        return errors
