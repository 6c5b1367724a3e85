"""Kata 31: tail a process. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
import subprocess  # noqa: F401  (for subprocess.CalledProcessError)


async def tail(cmd):
    """Yield the lines the child writes to its stdout as they come; raise if it fails."""
    raise NotImplementedError("tail: see katas/31_tail_process/README.md")
    yield  # this `yield` makes tail an async generator
