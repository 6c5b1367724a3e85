"""Mistake: workers meet at an asyncio.Barrier, but they run under a plain gather: when
one fails, the others are left running (or waiting at the barrier forever).

Rejected by: test_error_stops_every_worker
"""

import asyncio


async def run_phases(n, phases, step):
    if n == 0:
        return
    barrier = asyncio.Barrier(n)

    async def worker(w):
        for phase in range(phases):
            await step(w, phase)
            await barrier.wait()

    await asyncio.gather(*(worker(w) for w in range(n)))
