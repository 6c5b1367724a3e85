"""Mistake: one task per worker runs all its phases, but nothing makes a worker wait for
the others, so fast workers run ahead into the next phase.

Rejected by: test_no_worker_starts_a_phase_early, test_each_phase_takes_its_slowest_step
"""

import asyncio


async def run_phases(n, phases, step):
    async def worker(w):
        for phase in range(phases):
            await step(w, phase)

    async with asyncio.TaskGroup() as tg:
        for w in range(n):
            tg.create_task(worker(w))
