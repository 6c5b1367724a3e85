"""Leave nothing of a grading job running once it has ended.

A job runs in a session of its own (its pid is the session and process-group id), so
what its kata code started can be found and killed when the job ends, whatever the
kata did: a subprocess sleeping forever, a fork bomb, a detached ``os.fork()`` child.

- `end_session(pid)` kills (SIGKILL) every process in the ended job's session or
  process group, and waits until they are gone. Call it while the job's zombie still
  holds its pid (``os.waitid(..., WNOWAIT)``), so a recycled pid is never hit.
- `become_subreaper()` (Linux): a process whose parent dies is re-parented to us
  instead of to init. The fork server and every job are subreapers, so a process that
  escaped into a session of its own (double fork + ``setsid``) still ends up our
  child, where `end_session` (given the children to leave alone) finds it, and where a
  job's own `kill_descendants`, just before it exits, does.

Linux finds sessions in /proc. Elsewhere (macOS) only the process group is killed: a
process that left it (``setsid``/``setpgid``) survives the job. Windows has neither
(see README, "Security").
"""

from __future__ import annotations

import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
#: Real seconds to wait for killed processes to be gone.
KILL_WAIT = 2.0


def become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def processes() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (parent pid, process group, session, state letter), from /proc (Linux)."""
    found = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 4:
            found[int(entry)] = (int(fields[1]), int(fields[2]), int(fields[3]), fields[0])
    return found


def _strays(job: int, keep: set[int] | None) -> list[int]:
    me = os.getpid()
    return [
        pid
        for pid, (parent, group, session, state) in processes().items()
        if state != "Z"
        and pid not in (me, job)
        and (
            group == job
            or session == job
            or (keep is not None and parent == me and pid not in keep and session not in keep)
        )
    ]


def end_session(job: int, keep: set[int] | None = None) -> int:
    """Kill what is left of the ended job ``job`` and wait until it is gone. Given
    ``keep`` (the jobs still running; only where every child of ours is a job, as in
    the fork server), also our children that belong to none of them: processes
    re-parented to us after escaping an ended job's session. Returns how many
    processes were killed."""
    try:
        os.killpg(job, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if not sys.platform.startswith("linux"):
        return 0
    killed: set[int] = set()
    deadline = time.monotonic() + KILL_WAIT
    while time.monotonic() < deadline:
        strays = _strays(job, keep)
        if not strays:
            break
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        if keep is not None:
            reap_strays(keep | {job})
        time.sleep(0.005)
    if keep is not None:
        reap_strays(keep | {job})
    return len(killed)


def reap_strays(keep) -> None:
    """Reap our ended children, except those in ``keep`` (jobs, reaped by their owner)."""
    if not hasattr(os, "waitid"):
        return
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid in keep or info.si_pid == 0:
            return
        try:
            os.waitpid(info.si_pid, 0)
        except ChildProcessError:
            return


def kill_descendants() -> int:
    """Kill every process descended from this one (Linux): a job does it before it
    exits, as a subreaper whose orphans came back to it, so that nothing depends on the
    launcher catching what escaped the job's session. Returns how many were killed."""
    if not sys.platform.startswith("linux"):
        return 0
    me = os.getpid()
    killed: set[int] = set()
    deadline = time.monotonic() + KILL_WAIT
    while time.monotonic() < deadline:
        everything = processes()
        family = {me}
        grew = True
        while grew:
            more = {p for p, info in everything.items() if info[0] in family} - family
            grew = bool(more)
            family |= more
        alive = [p for p in family - {me} if everything[p][3] != "Z"]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return len(killed)
