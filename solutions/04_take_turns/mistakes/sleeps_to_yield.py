"""Mistake: yields with a real sleep: the order is right but every turn costs time.

Rejected by: test_takes_no_virtual_time
"""

import asyncio


async def round_robin(names, steps, log):
    async def worker(name):
        for i in range(steps):
            log.append((name, i))
            await asyncio.sleep(0.01)

    await asyncio.gather(*(worker(name) for name in names))
