import asyncio


async def double(x):
    while True:
        await asyncio.sleep(0)
