"""Mistake: fetches one key after another, so the call takes the sum of the delays.

Rejected by: test_an_early_failure_stops_nothing, test_many_keys_all_at_once
"""


async def fetch_settled(fetch, keys):
    results = {}
    for key in dict.fromkeys(keys):
        try:
            results[key] = await fetch(key)
        except Exception as error:
            results[key] = error
    return results
