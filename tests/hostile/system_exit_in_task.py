import asyncio


async def double(x):
    async def boom():
        raise SystemExit(3)

    await asyncio.create_task(boom())
    return 2 * x
