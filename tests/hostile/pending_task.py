import asyncio


async def _heartbeat():
    while True:
        await asyncio.sleep(0.1)


async def double(x):
    await asyncio.sleep(1)
    asyncio.get_running_loop().create_task(_heartbeat())  # started, never awaited or cancelled
    return 2 * x
