async def double(x):
    return await double(x)
