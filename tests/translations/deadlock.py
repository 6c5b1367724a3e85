import asyncio


async def double(x):
    lock = asyncio.Lock()
    async with lock:
        async with lock:
            await asyncio.sleep(1)
    return 2 * x
