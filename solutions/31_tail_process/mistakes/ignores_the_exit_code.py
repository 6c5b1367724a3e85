"""Mistake: never looks at the exit code, so a failing child ends the iteration as if all went well.

Rejected by: test_a_failing_child_raises_after_its_lines
"""

import asyncio


async def tail(cmd):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    try:
        async for line in proc.stdout:
            yield line.decode().removesuffix("\n")
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
