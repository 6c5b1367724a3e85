"""Mistake: fetch_strict lets every fetch run to the end, then raises a group of all the
errors: nothing fails fast and nothing is cancelled.

Rejected by: test_strict_fails_fast_at_the_first_error, test_strict_error_comes_in_an_exception_group, test_strict_cancels_the_slower_fetches
"""

import asyncio

_MISSING = object()


async def fetch_strict(fetch, keys):
    results = await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise ExceptionGroup("some fetches failed", errors)
    return results


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
