import ctypes


async def double(x):
    ctypes.string_at(0)
