"""Mistake: runs the commands in fixed batches of `limit`, so one slow command holds up its whole batch.

Rejected by: test_a_free_slot_is_used_at_once, test_a_command_that_cannot_start
"""

import asyncio


async def run(cmd, timeout):
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


async def run_all(cmds, limit, timeout):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    results = []
    for i in range(0, len(cmds), limit):
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(run(cmd, timeout)) for cmd in cmds[i : i + limit]]
        results += [task.result() for task in tasks]
    return results
