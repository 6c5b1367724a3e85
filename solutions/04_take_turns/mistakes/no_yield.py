"""Mistake: one task per name, but no `await` between appends, so each task runs all
its steps in one go.

Rejected by: test_three_names_take_strict_turns
"""

import asyncio


async def round_robin(names, steps, log):
    async def worker(name):
        for i in range(steps):
            log.append((name, i))

    await asyncio.gather(*(worker(name) for name in names))
