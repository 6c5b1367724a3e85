"""Mistake: chains the CRC across chunks (crc32(chunk, previous)) instead of adding the
checksum of each chunk.

Rejected by: test_small_inputs
"""

import asyncio
import zlib


async def checksum(chunks, *, yield_every=1000):
    crc = 0
    for i, chunk in enumerate(chunks, 1):
        crc = zlib.crc32(chunk, crc)
        if i % yield_every == 0:
            await asyncio.sleep(0)
    return crc
