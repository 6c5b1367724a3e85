"""Mistake: fetch_triaged fills `found` and `missing` as the fetches finish, so their
order is the order of finishing, not the order of `keys`.

Rejected by: test_triaged_found_and_missing_in_key_order
"""

import asyncio


async def fetch_strict(fetch, keys):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]


async def fetch_triaged(fetch, keys):
    found, missing = {}, []

    async def lookup(key):
        try:
            found[key] = await fetch(key)
        except KeyError:
            missing.append(key)

    async with asyncio.TaskGroup() as tg:
        for key in keys:
            tg.create_task(lookup(key))
    return found, missing
