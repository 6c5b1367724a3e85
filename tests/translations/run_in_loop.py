import asyncio


async def _double(x):
    await asyncio.sleep(1)
    return 2 * x


async def double(x):
    return asyncio.run(_double(x))
