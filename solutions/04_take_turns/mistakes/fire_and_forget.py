"""Mistake: starts the tasks but returns without waiting for them.

Rejected by: test_returns_when_all_turns_are_done
"""

import asyncio

_background = set()


async def round_robin(names, steps, log):
    async def worker(name):
        for i in range(steps):
            log.append((name, i))
            await asyncio.sleep(0)

    for name in names:
        task = asyncio.create_task(worker(name))
        _background.add(task)
