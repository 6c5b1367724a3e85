import asyncio


async def double(x):
    asyncio.sleep(1)
    return 2 * x
