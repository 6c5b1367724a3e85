import asyncio
import os
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


async def double(x):
    await asyncio.sleep(1)
    if os.fork() == 0:  # leave the job's session, fork again, let the middle one exit
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEPER, "detached_fork"])
        os._exit(0)
    return 2 * x
