"""Kata 06, reference solution."""

import asyncio


class TaskKeeper:
    """Runs fire-and-forget tasks, holding a strong reference to each until it ends."""

    def __init__(self):
        self._tasks = set()
        self._errors = []

    def spawn(self, coro, *, name=None):
        """Start `coro` as a task now, keep it until it ends, and return the task."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)  # the loop itself only keeps a weak reference
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._errors.append(task.exception())  # retrieved: nothing is logged

    def __len__(self):
        """The number of spawned tasks that have not ended yet."""
        return len(self._tasks)

    async def drain(self, timeout):
        """Wait up to `timeout` seconds for the tasks, cancel the stragglers, and return
        the errors the tasks raised."""
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)  # let them finish cancelling
        errors, self._errors = self._errors, []
        return errors
