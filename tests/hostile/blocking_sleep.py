import time


async def double(x):
    time.sleep(0.05)
    return 2 * x
