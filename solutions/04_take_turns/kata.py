"""Kata 04, reference solution."""

import asyncio


async def round_robin(names, steps, log):
    """One task per name; each appends (name, i) to `log` for i in range(steps),
    giving the loop a turn after every append."""

    async def worker(name):
        for i in range(steps):
            log.append((name, i))
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(name) for name in names))
