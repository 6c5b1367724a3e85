import asyncio


async def _sleep_then_double(x):
    await asyncio.sleep(1)
    raise ValueError(f"cannot double {x}")


async def double(x):
    task = asyncio.create_task(_sleep_then_double(x))
    await asyncio.sleep(1.5)
    del task
    return x
