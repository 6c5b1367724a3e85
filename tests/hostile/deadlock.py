import asyncio


async def double(x):
    await asyncio.Event().wait()
    return 2 * x
