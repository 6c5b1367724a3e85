"""What kata code left running once a test was over: tasks, threads, child processes.

Everything a kata starts must be finished (or cancelled and awaited) by the time it
returns. Some katas check that themselves, at the instant the function returns; the
plugin checks every test once it is over, so a leak costs points in every kata:

- `tasks(loop, learner_file)`, right after the test body: tasks still pending whose
  coroutine is a function of kata.py (pytest-asyncio cancels them afterwards).
- `Baseline()` at the start of a test, `Baseline.left_behind()` once it is torn down:
  threads started meanwhile and still alive after `GRACE` real seconds, and child
  processes of the job still running (Linux, from /proc; the job is a subreaper, so a
  detached ``os.fork()`` grandchild counts). Child processes are killed; a Python
  thread cannot be, so it is reported once and ended with the job.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time

from . import diagnose, reaper

#: Real seconds threads and processes get to finish after a test is over.
GRACE = 1.0

ADVICE = (
    "Everything a kata starts must be finished before it returns: await its tasks (or "
    "cancel and await them), join its threads, wait for its child processes."
)


def tasks(loop: asyncio.AbstractEventLoop, learner_file: str | None) -> str | None:
    """A message naming the pending tasks running a coroutine of kata.py, or None."""
    if loop is None or loop.is_closed() or not learner_file:
        return None
    left = []
    for task in asyncio.all_tasks(loop):
        if task.done():
            continue
        frames = diagnose.coroutine_frames(task.get_coro())
        if frames and diagnose.in_learner_code(frames[:1], learner_file):
            left.append(diagnose.describe_task(task, learner_file))
    if not left:
        return None
    return (
        "your code left a task running after the test ended:\n"
        + "\n".join(f"  - {line}" for line in left)
        + "\n"
        + ADVICE
    )


def _has_children() -> bool:
    if not hasattr(os, "waitid"):
        return False
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _children() -> dict[int, str]:
    """This process's children: pid -> state letter (Linux; {} elsewhere)."""
    if not sys.platform.startswith("linux") or not _has_children():
        return {}
    me = os.getpid()
    return {pid: info[3] for pid, info in reaper.processes().items() if info[0] == me}


def _describe_process(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        argv = []
    command = " ".join(" ".join(argv).split())
    if len(command) > 80:
        command = command[:77] + "..."
    return f"process {pid}" + (f" (`{command}`)" if command else "")


def _describe_thread(thread: threading.Thread, learner_file: str | None) -> str:
    frame = sys._current_frames().get(thread.ident)
    where = diagnose.pick(diagnose.stack_frames(frame), learner_file) if frame else None
    daemon = "daemon " if thread.daemon else ""
    return f"{daemon}thread {thread.name!r}" + (f" at {where}" if where else "")


class Baseline:
    """What was running when a test began."""

    def __init__(self):
        self.threads = set(threading.enumerate())
        self.children = set(_children())

    def left_behind(self, learner_file: str | None, ignore=()) -> str | None:
        """A message naming what the test left running, or None. Kills the processes."""
        deadline = time.monotonic() + GRACE
        # Processes first: killing them also ends the threads that wait for them.
        processes = self._processes(deadline)
        lines = [f"{_describe_process(pid)} (the grader killed it)" for pid in processes]
        more = self._kill(processes) - len(processes)
        if more > 0:
            lines.append(f"and {more} more processes they started (killed too)")
        threads = [
            t
            for t in threading.enumerate()
            if t not in self.threads and t.is_alive() and t not in ignore
        ]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        threads = [t for t in threads if t.is_alive()]
        lines = [_describe_thread(t, learner_file) for t in threads] + lines
        self.threads.update(threads)  # reported once: later tests are not blamed for them
        if not lines:
            return None
        return (
            "your code left work running after the test ended:\n"
            + "\n".join(f"  - {line}" for line in lines[:10])
            + (f"\n  - and {len(lines) - 10} more" if len(lines) > 10 else "")
            + "\n"
            + ADVICE
        )

    def _processes(self, deadline: float) -> list[int]:
        while True:
            running = [
                pid
                for pid, state in _children().items()
                if state != "Z" and pid not in self.children
            ]
            if not running or time.monotonic() >= deadline:
                return running
            time.sleep(0.02)

    def _kill(self, pids: list[int]) -> int:
        """Kill ``pids`` and everything they started (a fork bomb keeps forking while it
        is being killed; its orphans come back to us, the subreaper); returns how many
        processes were killed."""
        if not pids:
            self._reap()
            return 0
        me = os.getpid()
        doomed = set(pids)
        deadline = time.monotonic() + reaper.KILL_WAIT
        while True:
            everything = reaper.processes()
            grew = True
            while grew:  # their descendants, and orphans re-parented to us meanwhile
                more = {
                    pid
                    for pid, (parent, _group, _session, _state) in everything.items()
                    if parent in doomed or (parent == me and pid not in self.children)
                } - doomed
                grew = bool(more)
                doomed |= more
            alive = [p for p in doomed if everything.get(p, (0, 0, 0, "Z"))[3] != "Z"]
            if not alive or time.monotonic() >= deadline:
                break
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._reap()
            time.sleep(0.005)
        self._reap()
        return len(doomed)

    def _reap(self) -> None:
        """Reap ended children nobody waits for (re-parented orphans, killed leftovers)."""
        for pid, state in _children().items():
            if state == "Z" and pid not in self.children:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
