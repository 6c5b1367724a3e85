"""Mistake: produces the right order from a single task with nested loops: no tasks
take turns at all.

Rejected by: test_one_task_per_name
"""

import asyncio


async def round_robin(names, steps, log):
    for i in range(steps):
        for name in names:
            log.append((name, i))
            await asyncio.sleep(0)
