"""Kata 10, reference solution."""

import asyncio

_MISSING = object()


async def fetch_strict(fetch, keys):
    """Fetch every key in a TaskGroup; the values in the order of `keys`, or the group's
    ExceptionGroup as soon as one fetch fails."""
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]


async def fetch_triaged(fetch, keys):
    """Fetch every key concurrently; return (found, missing): a KeyError means "missing",
    any other error fails the whole call."""

    async def lookup(key):
        # A KeyError is an answer ("no such key"), not a failure: handle it here, inside
        # the task, so the TaskGroup never sees it and the other fetches go on.
        try:
            return await fetch(key)
        except KeyError:
            return _MISSING

    async with asyncio.TaskGroup() as tg:
        tasks = {key: tg.create_task(lookup(key)) for key in keys}
    found = {key: task.result() for key, task in tasks.items() if task.result() is not _MISSING}
    missing = [key for key, task in tasks.items() if task.result() is _MISSING]
    return found, missing
