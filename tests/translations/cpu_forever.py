async def double(x):
    n = 0
    while True:
        n += x
