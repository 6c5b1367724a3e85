"""Mistake: checks the clock only between fetches, so the fetch running when the budget
runs out is never cancelled and the chain overruns.

Rejected by: test_budget_runs_out_mid_chain, test_exactly_one_fetch_cancelled
"""

import asyncio


async def fetch_chain(fetch, keys, budget):
    loop = asyncio.get_running_loop()
    start = loop.time()
    values = []
    for key in keys:
        if loop.time() - start >= budget:
            break
        values.append(await fetch(key))
    return values
