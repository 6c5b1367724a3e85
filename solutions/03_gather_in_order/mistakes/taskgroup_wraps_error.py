"""Mistake: a TaskGroup overlaps the fetches but wraps the first error in an ExceptionGroup.

Rejected by: test_first_error_propagates_unwrapped
"""

import asyncio


async def fetch_all(fetch, keys):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch(key)) for key in keys]
    return [t.result() for t in tasks]
