"""Mistake: awaits every step in turn, so phases are kept apart but the workers of a
phase never run side by side.

Rejected by: test_each_phase_takes_its_slowest_step, test_workers_run_side_by_side
"""


async def run_phases(n, phases, step):
    for phase in range(phases):
        for worker in range(n):
            await step(worker, phase)
