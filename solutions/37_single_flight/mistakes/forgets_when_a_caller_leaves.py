"""Mistake: each caller removes the key when it stops waiting, so a cancelled caller
ends the flight early and the next caller starts a second call while the first runs.

Rejected by: test_a_cancelled_caller_spares_the_shared_call
"""

import asyncio


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def do(self, key, fn):
        if key not in self._flights:
            self._flights[key] = asyncio.create_task(fn())
        try:
            return await asyncio.shield(self._flights[key])
        finally:
            self._flights.pop(key, None)
