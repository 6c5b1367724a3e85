"""Mistake: fetch_triaged treats every error as "missing" (`except Exception`), so a real
failure is swallowed and reported as a missing key.

Rejected by: test_triaged_other_error_propagates_in_a_group, test_triaged_other_error_cancels_the_rest
"""

import asyncio

_MISSING = object()


async def fetch_strict(fetch, keys):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]


async def fetch_triaged(fetch, keys):
    async def lookup(key):
        try:
            return await fetch(key)
        except Exception:
            return _MISSING

    async with asyncio.TaskGroup() as tg:
        tasks = {key: tg.create_task(lookup(key)) for key in keys}
    found = {key: task.result() for key, task in tasks.items() if task.result() is not _MISSING}
    missing = [key for key, task in tasks.items() if task.result() is _MISSING]
    return found, missing
