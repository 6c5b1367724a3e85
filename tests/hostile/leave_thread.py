import asyncio
import threading
import time


def _forever():
    while True:
        time.sleep(0.05)


async def double(x):
    await asyncio.sleep(1)
    threading.Thread(target=_forever, name="left-behind").start()  # never joined, never ends
    return 2 * x
