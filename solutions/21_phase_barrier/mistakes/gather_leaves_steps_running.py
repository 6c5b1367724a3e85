"""Mistake: a plain gather per phase; when a step raises, gather passes the error on at
once but leaves the other steps of the phase running.

Rejected by: test_error_stops_every_worker
"""

import asyncio


async def run_phases(n, phases, step):
    for phase in range(phases):
        await asyncio.gather(*(step(worker, phase) for worker in range(n)))
