"""A pre-warmed process that forks one grading job per request.

Importing pytest and its plugins costs ~0.3 s; paying it once and forking per kata
makes a job cost a few milliseconds while keeping every kata in a process of its own.
Protocol (JSON lines): stdin ``{"id": .., "spec": {..}}``; stdout
``{"started": id, "pid": n}`` and ``{"exited": id, "pid": n, "code": c | "signal": s}``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys


def preload() -> None:
    import asyncio  # noqa: F401

    import _pytest.python  # noqa: F401
    import blockbuster  # noqa: F401
    import pytest  # noqa: F401
    import pytest_asyncio.plugin  # noqa: F401
    import pytest_timeout  # noqa: F401

    from . import plugin  # noqa: F401


def main() -> None:
    preload()
    out = os.fdopen(os.dup(1), "w", buffering=1)
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
        while jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
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
