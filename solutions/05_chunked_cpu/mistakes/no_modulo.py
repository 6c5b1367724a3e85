"""Mistake: forgets to reduce the sum modulo 2**32.

Rejected by: test_wraps_modulo_2_to_the_32
"""

import asyncio
import zlib


async def checksum(chunks, *, yield_every=1000):
    total = 0
    for i, chunk in enumerate(chunks, 1):
        total += zlib.crc32(chunk)
        if i % yield_every == 0:
            await asyncio.sleep(0)
    return total
