"""Mistake: waits with asyncio.wait, which does not cancel the tasks when the caller is
cancelled: they keep running after the caller is gone.

Rejected by: test_cancelling_the_caller_cancels_every_fetch
"""

import asyncio


async def fetch_settled(fetch, keys):
    tasks = {key: asyncio.create_task(fetch(key)) for key in dict.fromkeys(keys)}
    if not tasks:
        return {}
    await asyncio.wait(tasks.values())
    return {
        key: task.exception() if task.exception() is not None else task.result()
        for key, task in tasks.items()
    }
