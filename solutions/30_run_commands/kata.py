"""Kata 30, reference solution."""

import asyncio


async def run_all(cmds, limit, timeout):
    """Run every argv list, at most `limit` at once; return [(returncode, stdout), ...]."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def run(cmd):
        async with slots:
            proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
            try:
                async with asyncio.timeout(timeout):
                    out, _ = await proc.communicate()  # reads stdout while waiting for the exit
            except TimeoutError:
                out = b""  # too slow: killed below, and its partial output dropped
            finally:
                if proc.returncode is None:  # timed out, or run_all itself was cancelled
                    proc.kill()
                    # Reap it (no zombie; sets the negative returncode). communicate()
                    # rather than wait(): asyncio's wait() also waits to see the end of
                    # the output, which unread output could hold up (see kata 31).
                    await proc.communicate()
            return proc.returncode, out

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
