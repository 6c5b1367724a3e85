"""Mistake: drain waits with asyncio.gather, which gives up at the first error and
leaves the other tasks running.

Rejected by: test_drain_returns_the_errors_the_tasks_raised
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
        try:
            await asyncio.wait_for(asyncio.gather(*self._tasks), timeout)
        except asyncio.TimeoutError:
            pass
        except Exception:
            pass  # already recorded by _task_done
        errors, self._errors = self._errors, []
        return errors
