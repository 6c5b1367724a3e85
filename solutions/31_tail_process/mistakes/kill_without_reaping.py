"""Mistake: kills the child when closed early but never waits for it, so it is not reaped when the generator finishes.

Rejected by: test_aclose_kills_the_child, test_aclose_while_the_child_floods_its_output, test_cancelling_the_consumer_kills_the_child
"""

import asyncio
import subprocess


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        async for line in proc.stdout:
            yield line.decode().removesuffix("\n")
        returncode = await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
