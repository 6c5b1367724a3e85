"""Mistake: waits for the child to exit before reading its output, so a child that fills the pipe never exits.

Rejected by: test_a_megabyte_of_output_does_not_deadlock
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
                    await proc.wait()
                    out = await proc.stdout.read()
            except TimeoutError:
                out = b""
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            return proc.returncode, out

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
