"""Mistake: starts each command's timeout before it gets a free slot, so commands that wait their turn are killed early.

Rejected by: test_timeout_counts_from_each_commands_start
"""

import asyncio


async def run_all(cmds, limit, timeout):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def run(cmd):
        proc = None
        try:
            async with asyncio.timeout(timeout):
                async with slots:
                    proc = await asyncio.create_subprocess_exec(
                        *cmd, stdout=asyncio.subprocess.PIPE
                    )
                    out, _ = await proc.communicate()
        except TimeoutError:
            out = b""
        finally:
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
        return (proc.returncode if proc else -9), out

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
