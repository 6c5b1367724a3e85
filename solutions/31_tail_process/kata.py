"""Kata 31, reference solution."""

import asyncio
import subprocess


async def tail(cmd):
    """Yield the lines the child writes to its stdout as they come; raise if it fails."""
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        async for line in proc.stdout:  # one line at a time, as soon as it is complete
            yield line.decode().removesuffix("\n")
        returncode = await proc.wait()  # the output has ended: now wait for the exit
    finally:
        if proc.returncode is None:  # closed early (aclose, cancellation, an error)
            proc.kill()
            # Reap it. Not proc.wait(): it also waits until the output pipe is seen
            # closed, which never happens while unread output has paused the reading.
            # communicate() reads (and drops) what is left, then waits.
            await proc.communicate()
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, cmd)
