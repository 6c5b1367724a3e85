"""Mistake: runs the fetches in a TaskGroup, whose first error cancels every other fetch
and escapes as an ExceptionGroup.

Rejected by: test_maps_each_key_to_its_value_or_error, test_an_early_failure_stops_nothing
"""

import asyncio


async def fetch_settled(fetch, keys):
    keys = list(dict.fromkeys(keys))
    async with asyncio.TaskGroup() as tg:
        tasks = {key: tg.create_task(fetch(key)) for key in keys}
    return {key: task.result() for key, task in tasks.items()}
