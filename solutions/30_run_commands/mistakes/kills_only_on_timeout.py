"""Mistake: kills a child only on its own timeout, not when run_all is cancelled (or a sibling fails), so those children keep running.

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
                out, _ = await asyncio.wait_for(proc.communicate(), timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return proc.returncode, b""
            return proc.returncode, out

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
