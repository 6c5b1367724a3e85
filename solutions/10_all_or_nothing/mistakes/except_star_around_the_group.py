"""Mistake: fetch_triaged lets KeyError reach the TaskGroup and sorts it out with
`except* KeyError` afterwards, but by then the first KeyError has cancelled every
other fetch.

Rejected by: test_triaged_missing_keys_do_not_stop_the_others, test_triaged_found_and_missing_in_key_order
"""

import asyncio


async def fetch_strict(fetch, keys):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]


async def fetch_triaged(fetch, keys):
    missing = []
    tasks = {}
    try:
        async with asyncio.TaskGroup() as tg:
            for key in keys:
                tasks[key] = tg.create_task(fetch(key))
    except* KeyError as group:
        missing = [error.args[0] for error in group.exceptions]
    found = {
        key: task.result()
        for key, task in tasks.items()
        if task.done() and not task.cancelled() and task.exception() is None
    }
    return found, missing
