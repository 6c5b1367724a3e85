import asyncio
import time


async def double(x):
    await asyncio.sleep(0.5)
    time.sleep(0.5)
    return 2 * x
