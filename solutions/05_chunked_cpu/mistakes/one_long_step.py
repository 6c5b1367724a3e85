"""Mistake: folds everything in one go; right answer, but the loop is blocked meanwhile.

Rejected by: test_never_blocks_the_loop_for_long, test_other_tasks_get_turns
"""

import zlib


async def checksum(chunks, *, yield_every=1000):
    return sum(zlib.crc32(chunk) for chunk in chunks) % 2**32
