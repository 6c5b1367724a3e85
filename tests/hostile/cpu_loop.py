async def double(x):
    while True:
        pass
