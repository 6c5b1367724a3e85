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

# A fork bomb: every process forks two more, five generations deep (63 processes that
# never end), capped so that it cannot take a shared machine down where RLIMIT_NPROC
# does not apply (root). Only the first fork is made by the test's own process.
DEPTH = 5


def _bomb(depth):
    for _ in range(2 if depth < DEPTH else 0):
        try:
            if os.fork() == 0:
                _bomb(depth + 1)
        except OSError:  # RLIMIT_NPROC: the grader's limit on processes
            break
    os.execv(sys.executable, [sys.executable, "-c", SLEEPER, "fork_bomb"])


async def double(x):
    await asyncio.sleep(1)
    if os.fork() == 0:
        _bomb(1)
    return 2 * x
