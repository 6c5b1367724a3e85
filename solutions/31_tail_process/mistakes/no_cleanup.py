"""Mistake: has no try/finally, so closing the generator (or cancelling its consumer) leaves the child running.

Rejected by: test_aclose_kills_the_child, test_aclose_while_the_child_floods_its_output, test_cancelling_the_consumer_kills_the_child
"""

import asyncio
import subprocess


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    async for line in proc.stdout:
        yield line.decode().removesuffix("\n")
    returncode = await proc.wait()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
