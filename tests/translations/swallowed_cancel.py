import asyncio


async def double(x):
    while True:
        try:
            await asyncio.sleep(1)
            return 2 * x
        except asyncio.CancelledError:
            pass
