import sys


async def double(x):
    sys.exit(0)
