"""Mistake: uses gather, which ends at the first error (or cancelled task) without waiting for the other commands to be killed and reaped.

Rejected by: test_cancelling_run_all_kills_its_children, test_a_command_that_cannot_start
"""

import asyncio


async def run_all(cmds, limit, timeout):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def run(cmd):
        async with slots:
            proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
            try:
                async with asyncio.timeout(timeout):
                    out, _ = await proc.communicate()
            except TimeoutError:
                out = b""
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            return proc.returncode, out

    return list(await asyncio.gather(*(run(cmd) for cmd in cmds)))
