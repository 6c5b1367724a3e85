"""Mistake: kills a command that timed out but never waits for it, so its returncode is still None (and it is not reaped).

Rejected by: test_a_slow_command_is_killed_and_reaped
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
                return proc.returncode, b""
            except BaseException:
                proc.kill()
                raise
            return proc.returncode, out

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
