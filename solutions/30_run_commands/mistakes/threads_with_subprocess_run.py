"""Mistake: runs the blocking subprocess.run in threads, which cannot be cancelled: a cancelled run_all leaves its children running.

Rejected by: test_cancelling_run_all_kills_its_children
"""

import asyncio
import signal
import subprocess


async def run_all(cmds, limit, timeout):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    def run_blocking(cmd):
        try:
            done = subprocess.run(cmd, stdout=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return -signal.SIGKILL, b""  # subprocess.run killed and reaped it
        return done.returncode, done.stdout

    async def run(cmd):
        async with slots:
            return await asyncio.to_thread(run_blocking, cmd)

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run(cmd)) for cmd in cmds]
    return [task.result() for task in tasks]
