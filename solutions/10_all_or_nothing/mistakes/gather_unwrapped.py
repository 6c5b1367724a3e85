"""Mistake: fetch_strict uses asyncio.gather: the error comes out bare, and the slower
fetches are left running after it.

Rejected by: test_strict_error_comes_in_an_exception_group, test_strict_cancels_the_slower_fetches
"""

import asyncio

_MISSING = object()


async def fetch_strict(fetch, keys):
    return list(await asyncio.gather(*(fetch(key) for key in keys)))


async def fetch_triaged(fetch, keys):
    async def lookup(key):
        try:
            return await fetch(key)
        except KeyError:
            return _MISSING

    async with asyncio.TaskGroup() as tg:
        tasks = {key: tg.create_task(lookup(key)) for key in keys}
    found = {key: task.result() for key, task in tasks.items() if task.result() is not _MISSING}
    missing = [key for key, task in tasks.items() if task.result() is _MISSING]
    return found, missing
