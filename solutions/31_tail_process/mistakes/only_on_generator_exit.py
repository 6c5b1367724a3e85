"""Mistake: kills the child only on GeneratorExit (aclose), not when the consumer is cancelled while waiting for a line.

Rejected by: test_cancelling_the_consumer_kills_the_child
"""

import asyncio
import subprocess


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        async for line in proc.stdout:
            yield line.decode().removesuffix("\n")
    except GeneratorExit:
        proc.kill()
        await proc.communicate()
        raise
    returncode = await proc.wait()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
