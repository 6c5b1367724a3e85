import asyncio


async def double(x):
    await asyncio.sleep(1)
    return 2 * x
