"""Mistake: fetch_strict catches the TaskGroup's ExceptionGroup and re-raises the first
error inside it, hiding the group the caller was promised.

Rejected by: test_strict_error_comes_in_an_exception_group
"""

import asyncio

_MISSING = object()


async def fetch_strict(fetch, keys):
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(fetch(key)) for key in keys]
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return [task.result() for task in tasks]


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
