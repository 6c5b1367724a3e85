import sys


async def double(x):
    chunk = "x" * (1 << 20)
    for _ in range(200):
        sys.stdout.write(chunk)
    return 2 * x
