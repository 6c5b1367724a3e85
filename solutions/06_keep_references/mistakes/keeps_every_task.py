"""Mistake: appends every task to a list and never removes it: len never goes back to 0
and finished tasks pile up forever.

Rejected by: test_len_counts_tasks_until_they_end
"""

import asyncio


class TaskKeeper:
    def __init__(self):
        self._tasks = []
        self._drained = 0

    def spawn(self, coro, *, name=None):
        task = asyncio.create_task(coro, name=name)
        self._tasks.append(task)
        return task

    def __len__(self):
        return len(self._tasks)

    async def drain(self, timeout):
        running = [t for t in self._tasks if not t.done()]
        if running:
            _, pending = await asyncio.wait(running, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        new, self._drained = self._tasks[self._drained:], len(self._tasks)
        return [t.exception() for t in new if not t.cancelled() and t.exception() is not None]
