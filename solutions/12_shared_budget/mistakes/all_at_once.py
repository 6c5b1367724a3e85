"""Mistake: runs every fetch at once under the budget instead of one after another.

Rejected by: test_fetches_run_one_after_another, test_all_fetches_fit_in_the_budget
"""

import asyncio


async def fetch_chain(fetch, keys, budget):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    if not tasks:
        return []
    await asyncio.wait(tasks, timeout=max(budget, 0))
    values = []
    for task in tasks:
        if not task.done():
            break
        values.append(task.result())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return values
