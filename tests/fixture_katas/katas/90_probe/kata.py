async def double(x):
    raise NotImplementedError("double: see README.md")
