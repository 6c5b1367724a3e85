"""Mistake: awaits once, after all the work: the await comes too late to help.

Rejected by: test_never_blocks_the_loop_for_long
"""

import asyncio
import zlib


async def checksum(chunks, *, yield_every=1000):
    total = sum(zlib.crc32(chunk) for chunk in chunks)
    await asyncio.sleep(0)
    return total % 2**32
