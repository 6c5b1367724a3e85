async def double(value, factor):  # the kata calls double(x): one parameter
    return value * factor
