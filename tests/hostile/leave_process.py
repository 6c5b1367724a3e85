import asyncio
import sys

# What the left-behind process runs: note its pid and session for the engine's tests
# (HOSTILE_LOG, set by tests/test_hostile.py), then sleep for an hour.
SLEEPER = """
import os, sys, time
log = os.environ.get("HOSTILE_LOG")
if log:
    with open(os.path.join(log, sys.argv[1] + ".pids"), "a") as f:
        f.write(f"{os.getpid()} {os.getsid(0)}\\n")
time.sleep(3600)
"""

_children = []


async def double(x):
    await asyncio.sleep(1)
    # Started, never waited for, never killed: it sleeps for an hour.
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", SLEEPER, "leave_process")
    _children.append(child)
    return 2 * x
