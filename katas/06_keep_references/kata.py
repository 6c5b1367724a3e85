"""Kata 06: keep references. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class TaskKeeper:
    """Runs fire-and-forget tasks, holding a strong reference to each until it ends."""

    def __init__(self):
        pass

    def spawn(self, coro, *, name=None):
        """Start `coro` as a task now, keep it until it ends, and return the task."""
        raise NotImplementedError("TaskKeeper.spawn: see katas/06_keep_references/README.md")

    def __len__(self):
        """The number of spawned tasks that have not ended yet."""
        raise NotImplementedError("TaskKeeper.__len__: see katas/06_keep_references/README.md")

    async def drain(self, timeout):
        """Wait up to `timeout` seconds for the tasks, cancel the stragglers, and return
        the errors the tasks raised."""
        raise NotImplementedError("TaskKeeper.drain: see katas/06_keep_references/README.md")
