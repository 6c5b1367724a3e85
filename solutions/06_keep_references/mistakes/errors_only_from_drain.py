"""Mistake: collects errors only from the tasks still running when drain is called; a
task that failed earlier is dropped without anyone looking at its exception.

Rejected by: test_failed_tasks_never_go_unretrieved, test_drain_returns_the_errors_the_tasks_raised
"""

import asyncio


class TaskKeeper:
    def __init__(self):
        self._tasks = set()

    def spawn(self, coro, *, name=None):
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self):
        return len(self._tasks)

    async def drain(self, timeout):
        tasks = list(self._tasks)
        if not tasks:
            return []
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        return [
            r for r in results
            if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
        ]
