"""Mistake: reaps a killed child with proc.wait(), which never returns while unread output has paused the reading of the pipe.

Rejected by: test_aclose_while_the_child_floods_its_output
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
            await proc.wait()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
