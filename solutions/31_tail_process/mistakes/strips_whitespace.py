"""Mistake: strips every line with .strip(), losing the spaces that belong to it.

Rejected by: test_lines_come_through_exactly
"""

import asyncio
import subprocess


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        async for line in proc.stdout:
            yield line.decode().strip()
        returncode = await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
