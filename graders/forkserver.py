"""A pre-warmed process that forks one grading job per request.

Importing pytest, its plugins and what jobs use costs ~0.4 s; paying it once and
forking per kata saves it in every job while keeping each kata in a process of its own.
The imported heap is frozen (gc.freeze) before forking, so no job's garbage collector
walks it. What a job still pays (pytest's own start-up and collection, ~0.1 s of CPU)
is measured by ``nox -s bench``.
Protocol (JSON lines): stdin ``{"id": .., "spec": {..}}``; stdout
``{"started": id, "pid": n}`` and ``{"exited": id, "pid": n, "code": c | "signal": s}``.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys

from . import reaper

#: Modules every job, its hidden tests or kata solutions import.
CHILD_MODULES = (
    *(
        f"graders.{name}"
        for name in (
            "plugin job loader translate diagnose clock watchdog errors expect fakes "
            "io_checks cancelling child_processes outcomes timeline loop_errors sources"
        ).split()
    ),
    "_pytest._argcomplete",
    "concurrent.futures",
    "concurrent.futures.thread",
    "contextvars",
    "faulthandler",
    "getpass",
    "heapq",
    "inspect",
    "queue",
    "random",
    "readline",
    "resource",
    "socket",
    "sqlite3",
    "subprocess",
    "zlib",
)


def preload() -> None:
    """Import everything a job imports, so no job pays for it."""
    import asyncio  # noqa: F401
    import importlib

    import _pytest.config
    import blockbuster  # noqa: F401
    import pytest  # noqa: F401
    import pytest_asyncio.plugin  # noqa: F401
    import pytest_timeout  # noqa: F401

    from . import job

    for name in _pytest.config.default_plugins:
        if name not in job.UNUSED:
            importlib.import_module(f"_pytest.{name}")
    # What the hidden tests and reference solutions import, beyond asyncio.
    for name in CHILD_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a platform without it: the job imports it (or not) itself
            pass


def main() -> None:
    # The protocol's stdout is kept aside; whatever an import prints (readline may write
    # a terminal escape) goes nowhere.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    preload()
    from . import guard

    guard.prepare()  # what each job's guard watches, found once (graders.guard)
    # Every object imported so far lives as long as the server: the cyclic garbage
    # collector need never look at them again, in the server or in any job (each test
    # ends with a gc.collect() that would otherwise walk this whole heap, ~60 ms).
    gc.freeze()
    reaper.become_subreaper()  # what escapes a job's session comes back here to be killed
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    jobs: dict[int, str] = {}
    stdin = sys.stdin.buffer
    buffer = b""
    open_input = True

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")

    def reap() -> None:
        while True:
            try:
                pid, status = _wait_next(lambda pid: jobs.get(pid) is not None, set(jobs))
            except ChildProcessError:
                return
            if pid == 0:
                return
            job = jobs.pop(pid, None)
            if job is None:
                continue
            if os.WIFSIGNALED(status):
                send({"exited": job, "pid": pid, "signal": os.WTERMSIG(status)})
            else:
                send({"exited": job, "pid": pid, "code": os.WEXITSTATUS(status)})

    while open_input or jobs:
        watch = [wake_r] + ([stdin] if open_input else [])
        try:
            ready, _, _ = select.select(watch, [], [], 0.5)
        except InterruptedError:
            ready = []
        if wake_r in ready:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
        reap()
        if stdin in ready:
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:
                open_input = False
                continue
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = fork_job(request["spec"], (wake_r, wake_w, out))
                jobs[pid] = request["id"]
                send({"started": request["id"], "pid": pid})


def _wait_next(is_job, running: set[int]) -> tuple[int, int]:
    """Reap the next ended child: (pid, status), or (0, 0) if none has ended. For a job,
    first kill everything it left behind (graders.reaper), while its zombie still holds
    its pid so that no recycled pid can be hit. Non-job children are processes that
    escaped an ended job and were re-parented here; they are reaped too."""
    if not hasattr(os, "waitid"):  # macOS: reap first, then kill the group (a small race)
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid and is_job(pid):
            reaper.end_session(pid, running - {pid})
        return pid, status
    info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return 0, 0
    if is_job(info.si_pid):
        reaper.end_session(info.si_pid, running - {info.si_pid})
    return os.waitpid(info.si_pid, 0)


def fork_job(spec: dict, to_close) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The job: a session of its own (so the runner can kill it and everything it
    # starts), default signal handling, nothing of the server's pipes.
    code = 70
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        wake_r, wake_w, out = to_close
        os.close(wake_r)
        os.close(wake_w)
        os.close(out.fileno())
        from . import job

        code = job.run(spec)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
