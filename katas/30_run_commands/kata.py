"""Kata 30: run commands. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def run_all(cmds, limit, timeout):
    """Run every argv list as a subprocess, at most `limit` at once; [(returncode, stdout)]."""
    raise NotImplementedError("run_all: see katas/30_run_commands/README.md")
