"""Mistake: gives every fetch its own `budget`-second timeout, so the chain as a whole can
run far past the budget.

Rejected by: test_budget_runs_out_mid_chain, test_exactly_one_fetch_cancelled
"""

import asyncio


async def fetch_chain(fetch, keys, budget):
    values = []
    for key in keys:
        try:
            values.append(await asyncio.wait_for(fetch(key), budget))
        except TimeoutError:
            break
    return values
