"""Mistake: returns the first success but never cancels the other fns, which keep
running after race has returned.

Rejected by: test_losers_are_cancelled
"""

import asyncio


async def race(fns):
    if not fns:
        raise ValueError("race() needs at least one function")
    errors = []
    for next_done in asyncio.as_completed([asyncio.create_task(fn()) for fn in fns]):
        try:
            return await next_done
        except Exception as error:
            errors.append(error)
    raise ExceptionGroup("every attempt failed", errors)
