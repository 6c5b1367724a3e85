"""Mistake: never forgets a finished call, so it caches the first result (or error)
forever instead of running fn again for the next call.

Rejected by: test_the_next_call_runs_fn_again
"""

import asyncio


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def do(self, key, fn):
        if key not in self._flights:
            self._flights[key] = asyncio.create_task(fn())
        return await asyncio.shield(self._flights[key])
