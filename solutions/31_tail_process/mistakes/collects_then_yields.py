"""Mistake: reads the whole output with communicate() before yielding, so nothing arrives until the child has exited.

Rejected by: test_a_line_arrives_before_the_child_exits, test_aclose_kills_the_child, test_aclose_while_the_child_floods_its_output, test_cancelling_the_consumer_kills_the_child
"""

import asyncio
import subprocess


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        out, _ = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    for line in out.decode().splitlines():
        yield line
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
