import asyncio


async def _check(x):
    raise ValueError(f"cannot double {x}")


async def double(x):
    task = asyncio.create_task(_check(x))
    await asyncio.sleep(1)
    del task
    return x
