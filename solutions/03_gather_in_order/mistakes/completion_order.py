"""Mistake: collects results as fetches finish (as_completed), losing the input order.

Rejected by: test_results_come_in_input_order
"""

import asyncio


async def fetch_all(fetch, keys):
    return [await fut for fut in asyncio.as_completed([fetch(key) for key in keys])]
