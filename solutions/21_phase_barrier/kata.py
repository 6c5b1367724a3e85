"""Kata 21, reference solution."""

import asyncio


async def run_phases(n, phases, step):
    """n workers each run `await step(worker, phase)` for every phase, in lock-step."""
    for phase in range(phases):
        # The TaskGroup is the barrier: it returns only when every step of this phase
        # has finished, and if one raises it cancels the others before re-raising.
        async with asyncio.TaskGroup() as tg:
            for worker in range(n):
                tg.create_task(step(worker, phase))
