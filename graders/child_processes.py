"""Child processes started by the learner's code: are they gone, and clean up if not.

The subprocess katas must leave nothing behind: every child the learner started must
have ended *and been reaped* (waited for) by the time the kata returns. A child that
ended but was never waited for is a *zombie*: it stays in the process table, holding
its pid and exit status, until its parent waits for it.

- `state(pid)` looks without touching: "running", "zombie" or "gone" (reaped, or not
  our child). Where ``os.waitid`` exists it peeks with ``WNOWAIT``, so it never reaps
  a child that asyncio's child watcher is about to wait for.
- `new_children(baseline)` lists this process's children not in ``baseline`` (Linux,
  from /proc; ``{}`` elsewhere), so a child whose pid the test never learned (it was
  killed before it could report it) is still found. Take ``baseline = children()`` at
  the start of the test.
- `left_behind(pids, baseline)`: those of ``pids`` (and new children) not gone, now.
- `left_after(pids, baseline, grace)` is `left_behind` once asyncio has had ``grace``
  seconds to reap what was killed: a deterministic "nothing left behind" check.
- `asyncio_process(pid)` finds the ``asyncio.subprocess.Process`` the learner's code
  holds for a child: its ``returncode`` is set only once asyncio has reaped the child
  *and* the loop has run the callback that says so, so reading it in the very step the
  learner's code returned tells, without a race, whether that code waited for the exit.
- `kill_leftovers(pids, baseline)` kills whatever is still running (only our own
  children: a pid is checked before it is signalled, so a reused pid is never hit) and
  makes sure each is reaped. Call it in the test's ``finally``.

A test reads::

    baseline = child_processes.children()
    try:
        result = await kata.run_all(cmds, 2, 5.0)
        left = await child_processes.left_after(pids, baseline)  # pids the children logged
        ...
    finally:
        await child_processes.kill_leftovers(pids, baseline)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterable

from .reaper import processes

RUNNING, ZOMBIE, GONE = "running", "zombie", "gone"


def state(pid: int) -> str:
    """ "running", "zombie" (ended, never waited for) or "gone" (reaped, or not ours)."""
    if hasattr(os, "waitid") and hasattr(os, "WNOWAIT"):
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return GONE
        return RUNNING if info is None else ZOMBIE
    try:  # pragma: no cover - platforms without waitid: this reaps a zombie it finds
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return GONE
    return RUNNING if done == 0 else ZOMBIE


def asyncio_process(pid: int):
    """The live ``asyncio.subprocess.Process`` object for ``pid``, or None."""
    import gc
    from asyncio.subprocess import Process

    for obj in gc.get_objects():
        if isinstance(obj, Process) and obj.pid == pid:
            return obj
    return None


def children() -> dict[int, str]:
    """This process's children and their state letter from /proc (Linux; else {})."""
    if not sys.platform.startswith("linux"):
        return {}
    me = os.getpid()
    return {pid: state for pid, (parent, _, _, state) in processes().items() if parent == me}


def new_children(baseline: Iterable[int]) -> dict[int, str]:
    """Children not in ``baseline``, each "running" or "zombie"."""
    known = set(baseline)
    return {
        pid: ZOMBIE if letter == "Z" else RUNNING
        for pid, letter in children().items()
        if pid not in known
    }


def left_behind(pids: Iterable[int], baseline: Iterable[int]) -> dict[int, str]:
    """The pids (and new children) not gone yet, with their state."""
    left = {pid: s for pid in set(pids) if (s := state(pid)) != GONE}
    for pid, s in new_children(baseline).items():
        left.setdefault(pid, s)
    return left


async def wait_gone(pids: Iterable[int], timeout: float) -> dict[int, str]:
    """Wait up to ``timeout`` real seconds for every pid to be gone (asyncio's child
    watcher reaps the children of asyncio subprocesses); return those still left."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pids = set(pids)
    while True:
        left = {pid: s for pid in pids if (s := state(pid)) != GONE}
        if not left or loop.time() >= deadline:
            return left
        await asyncio.sleep(0.02)


async def left_after(
    pids: Iterable[int], baseline: Iterable[int] = (), grace: float = 1.0
) -> dict[int, str]:
    """What is still left (running, or a zombie) after up to ``grace`` real seconds.

    asyncio reaps a killed child in the background even if nobody awaits it, a moment
    later; a check that tolerates that is deterministic, where a check at one instant
    would race with the child's death. Returns as soon as nothing is left."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    pids = set(pids)
    baseline = set(baseline)
    while True:
        left = left_behind(pids, baseline)
        if not left or loop.time() >= deadline:
            return left
        await asyncio.sleep(0.02)


async def kill_leftovers(pids: Iterable[int], baseline: Iterable[int] = ()) -> None:
    """Kill every one of ``pids`` (and new child) still running, and see each reaped.

    asyncio's child watcher gets the first chance to reap (so the learner's Process
    objects see their exit); after a short wait, zombies are reaped here."""
    targets = set(left_behind(pids, baseline))
    for pid in targets:
        if state(pid) == RUNNING:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for pid in await wait_gone(targets, 1.0):
        try:
            os.waitpid(pid, 0)  # killed above, so this returns at once
        except ChildProcessError:
            pass
