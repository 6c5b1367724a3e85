"""Grade katas in child processes and turn what they report into results.

The runner never imports learner code. It starts one job per kata (forked from a
pre-warmed server where the OS allows, spawned elsewhere), runs several at once, reads
each job's results channel, and enforces a hard time limit per test. A job that dies
or hangs costs only the test it was running: the runner records why, in words, and
starts a fresh job for the tests that had not run yet.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import channel
from .catalog import Kata
from .scoring import KataResult, TestResult

#: Real seconds a job may take before its first test starts (collection, import).
STARTUP_LIMIT = 20.0
#: Real seconds past a test's own pytest-timeout limit before the runner kills the job.
KILL_MARGIN = 3.0
OUTPUT_TAIL = 1200
OUTPUT_LIMIT = 64 * 1024 * 1024  # as graders.job sets it (not imported: job imports pytest)


class GraderError(Exception):
    """The grader itself failed (not the learner's code): a bug or a broken install."""


@dataclass
class Attempt:
    id: str
    kata: Kata
    impl: Path
    workdir: Path
    deselect: list[str] = field(default_factory=list)
    pid: int | None = None
    started_at: float = 0.0
    killed: str = ""
    results_size: int = -1
    test_started: tuple[str, float] | None = None
    limits: dict[str, float] = field(default_factory=dict)
    solo: bool = False
    last_progress: float = 0.0

    @property
    def results(self) -> Path:
        return self.workdir / f"{self.id}.results"

    @property
    def output(self) -> Path:
        return self.workdir / f"{self.id}.output"

    def spec(self, root: Path) -> dict:
        return {
            "kata_dir": str(self.kata.path),
            "impl": str(self.impl),
            "results": str(self.results),
            "output": str(self.output),
            "deselect": self.deselect,
            "root": str(root),
        }


class _ForkServer:
    """Jobs forked from ``python -m graders.forkserver`` (POSIX)."""

    def __init__(self, root: Path, workdir: Path):
        self.stderr_path = workdir / f"forkserver-{time.monotonic_ns()}.err"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "graders.forkserver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=root,
                env=_child_env(root),
            )
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="graders-forkserver").start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue
        self.events.put({"server_died": True})

    def start(self, attempt: Attempt, root: Path) -> None:
        message = json.dumps({"id": attempt.id, "spec": attempt.spec(root)}) + "\n"
        self.process.stdin.write(message.encode())
        self.process.stdin.flush()

    def poll(self, timeout: float) -> list[dict]:
        try:
            events = [self.events.get(timeout=timeout)]
        except queue.Empty:
            return []
        while not self.events.empty():
            events.append(self.events.get_nowait())
        return events

    def failure(self) -> str | None:
        """Why the server died on its own (a bug or a broken install), if it did."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None
        if code < 0:
            return None  # killed by a signal: someone's code did that
        return _read_tail(self.stderr_path) or f"exit status {code}"

    def kill(self, pid: int) -> None:
        for target in (
            lambda: os.killpg(pid, signal.SIGKILL),
            lambda: os.kill(pid, signal.SIGKILL),
        ):
            try:
                target()
                return
            except (ProcessLookupError, PermissionError):
                continue

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


class _Spawner:
    """One fresh interpreter per job (Windows, or GRADERS_SPAWN=1)."""

    def __init__(self, root: Path, workdir: Path):
        self.root = root
        self.procs: dict[str, subprocess.Popen] = {}
        self._pending: list[dict] = []

    def start(self, attempt: Attempt, root: Path) -> None:
        flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        proc = subprocess.Popen(
            [sys.executable, "-m", "graders.job", json.dumps(attempt.spec(root))],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=root,
            env=_child_env(root),
            creationflags=flags,
            start_new_session=os.name != "nt",
        )
        self.procs[attempt.id] = proc
        self._pending.append({"started": attempt.id, "pid": proc.pid})

    def poll(self, timeout: float) -> list[dict]:
        events, self._pending = self._pending, []
        time.sleep(timeout if not events else 0)
        for job, proc in list(self.procs.items()):
            code = proc.poll()
            if code is not None:
                del self.procs[job]
                if code < 0:
                    events.append({"exited": job, "pid": proc.pid, "signal": -code})
                else:
                    events.append({"exited": job, "pid": proc.pid, "code": code})
        return events

    def kill(self, pid: int) -> None:
        for proc in self.procs.values():
            if proc.pid == pid:
                if os.name != "nt":
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                proc.kill()

    def close(self) -> None:
        pass


def _child_env(root: Path) -> dict:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(root) + (os.pathsep + path if path else "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    return env


class Runner:
    def __init__(self, root: Path, jobs: int | None = None):
        self.root = root
        self.jobs = max(1, jobs or os.cpu_count() or 2)
        self._counter = 0

    def grade(self, work: list[tuple[Kata, Path]]) -> list[KataResult]:
        results = {id(item): KataResult(kata) for item in work for kata in [item[0]]}
        by_key: dict[int, KataResult] = {}
        pending: list[Attempt] = []
        with tempfile.TemporaryDirectory(prefix="graders-") as tmp:
            workdir = Path(tmp)
            for item in work:
                kata, impl = item
                result = results[id(item)]
                if not kata.supported:
                    result.skipped = kata.skip_reason
                elif not impl.is_file():
                    result.error = f"{impl} is missing: there is no kata.py to grade for {kata.id}."
                else:
                    attempt = self._attempt(kata, impl, workdir)
                    by_key[id(attempt)] = result
                    pending.append(attempt)
            if pending:
                self._run_all(pending, by_key, workdir)
        return [results[id(item)] for item in work]

    def _attempt(self, kata: Kata, impl: Path, workdir: Path, deselect=()) -> Attempt:
        self._counter += 1
        return Attempt(f"job{self._counter}", kata, impl, workdir, list(deselect))

    def _launcher(self, workdir: Path):
        if hasattr(os, "fork") and not os.environ.get("GRADERS_SPAWN"):
            return _ForkServer(self.root, workdir)
        return _Spawner(self.root, workdir)

    def _run_all(self, pending: list[Attempt], by_key: dict, workdir: Path) -> None:
        launcher = self._launcher(workdir)
        running: dict[str, Attempt] = {}
        # Attempts that were running when something killed the fork server. Each is
        # rerun alone: if the server dies again, that one did it.
        solo: list[Attempt] = []
        try:
            while pending or running or solo:
                if solo and not running:
                    attempt = solo.pop(0)
                    attempt.solo = True
                    self._start(attempt, running, launcher)
                while pending and not solo and len(running) < self.jobs:
                    self._start(pending.pop(0), running, launcher)
                for event in launcher.poll(0.01):
                    if "started" in event and event["started"] in running:
                        running[event["started"]].pid = event["pid"]
                    elif "exited" in event and event["exited"] in running:
                        attempt = running.pop(event["exited"])
                        follow_up = self._finish(attempt, event, by_key[id(attempt)], workdir)
                        if follow_up is not None:
                            by_key[id(follow_up)] = by_key[id(attempt)]
                            pending.insert(0, follow_up)
                    elif event.get("server_died"):
                        failure = launcher.failure()
                        if failure is not None:
                            raise GraderError(f"the grading server stopped:\n{failure}")
                        for attempt in running.values():
                            if attempt.pid:
                                launcher.kill(attempt.pid)
                            result = by_key[id(attempt)]
                            if attempt.solo:
                                result.error = (
                                    "your code killed the grading process (its parent). "
                                    "A kata must never signal or kill other processes."
                                )
                                self._fill_missing(attempt, result, result.error)
                            else:
                                again = self._attempt(
                                    attempt.kata, attempt.impl, workdir, attempt.deselect
                                )
                                by_key[id(again)] = result
                                solo.append(again)
                        running.clear()
                        launcher = self._launcher(workdir)
                        break
                now = time.monotonic()
                for attempt in list(running.values()):
                    self._watch(attempt, launcher, now)
        finally:
            for attempt in running.values():
                if attempt.pid:
                    launcher.kill(attempt.pid)
            launcher.close()

    def _start(self, attempt: Attempt, running: dict, launcher) -> None:
        attempt.started_at = time.monotonic()
        running[attempt.id] = attempt
        launcher.start(attempt, self.root)

    # -- deadlines -------------------------------------------------------------------
    def _watch(self, attempt: Attempt, launcher, now: float) -> None:
        if attempt.pid is None or attempt.killed:
            return
        try:
            size = attempt.results.stat().st_size
        except OSError:
            size = 0
        if size != attempt.results_size:
            attempt.results_size = size
            attempt.last_progress = now
            started = None
            for record in channel.read(attempt.results):
                if record["type"] == "collected":
                    for test in record.get("tests", []):
                        attempt.limits[test.get("nodeid", "")] = float(test.get("limit", 10))
                elif record["type"] == "start":
                    started = (record.get("nodeid", ""), now)
                elif record["type"] == "test":
                    started = None
            if (
                started is None
                or attempt.test_started is None
                or attempt.test_started[0] != started[0]
            ):
                attempt.test_started = started
        if attempt.test_started is None:
            # Starting up, or between two tests: counted from the last record written.
            limit = STARTUP_LIMIT
            since = attempt.last_progress or attempt.started_at
        else:
            nodeid, since = attempt.test_started
            limit = attempt.limits.get(nodeid, 10.0) + KILL_MARGIN
        if now - since > limit:
            attempt.killed = f"time limit: stopped after {limit:g}s of real time"
            launcher.kill(attempt.pid)

    # -- turning records into results ---------------------------------------------------
    def _finish(
        self, attempt: Attempt, event: dict, result: KataResult, workdir: Path
    ) -> Attempt | None:
        records = channel.read(attempt.results)
        collected = next((r for r in records if r["type"] == "collected"), None)
        kata_error = next((r for r in records if r["type"] == "kata_error"), None)
        finished = {r["nodeid"]: r for r in records if r["type"] == "test" and "nodeid" in r}
        starts = [r.get("nodeid") for r in records if r["type"] == "start"]
        crash = self._crash_message(attempt, event)

        if collected is None:
            result.error = (kata_error or {}).get("message") or (
                "the hidden tests could not be run. " + crash + self._output_tail(attempt)
            )
            return None
        tests = [t for t in collected.get("tests", []) if isinstance(t, dict) and "nodeid" in t]
        known = {t.nodeid for t in result.tests}
        unfinished = []
        for test in tests:
            nodeid = test["nodeid"]
            if nodeid in known:
                continue
            points = int(test.get("points", 1))
            record = finished.get(nodeid)
            if record is not None:
                result.tests.append(_test_result(test, record, points))
            elif kata_error is not None:
                result.error = kata_error.get("message", "")
                result.tests.append(
                    TestResult(test["name"], "error", 0, points, result.error, nodeid)
                )
            elif starts and starts[-1] == nodeid:
                message = crash + self._output_tail(attempt)
                result.tests.append(TestResult(test["name"], "error", 0, points, message, nodeid))
            else:
                unfinished.append(nodeid)
        progressed = any(t.nodeid not in known for t in result.tests)
        if unfinished and kata_error is None and progressed:
            done = [t.nodeid for t in result.tests]
            return self._attempt(attempt.kata, attempt.impl, workdir, attempt.deselect + done)
        if unfinished:
            # The job ended without running them and without crashing inside one:
            # a problem with the grader or the hidden tests, not the learner's code.
            message = (kata_error or {}).get("message") or (
                "the grader could not run this test. " + crash + self._output_tail(attempt)
            )
            by_id = {t["nodeid"]: t for t in tests}
            for nodeid in unfinished:
                test = by_id[nodeid]
                result.tests.append(
                    TestResult(
                        test["name"], "error", 0, int(test.get("points", 1)), message, nodeid
                    )
                )
        order = {t["nodeid"]: i for i, t in enumerate(tests)}
        result.tests.sort(key=lambda t: order.get(t.nodeid, 0))
        return None

    def _fill_missing(self, attempt: Attempt, result: KataResult, message: str) -> None:
        records = channel.read(attempt.results)
        collected = next((r for r in records if r["type"] == "collected"), None)
        known = {t.nodeid for t in result.tests}
        for test in (collected or {}).get("tests", []):
            if test.get("nodeid") not in known:
                points = int(test.get("points", 1))
                result.tests.append(
                    TestResult(test["name"], "error", 0, points, message, test["nodeid"])
                )

    def _crash_message(self, attempt: Attempt, event: dict) -> str:
        if attempt.killed:
            return (
                f"{attempt.killed}. Is there an endless loop, a blocking call, or a "
                "CancelledError swallowed inside a loop?"
            )
        sig = event.get("signal")
        if sig is not None:
            name = _signal_name(sig)
            if name == "SIGSEGV":
                return "the test process crashed with a segmentation fault while running this test."
            if name == "SIGXFSZ":
                return "your code printed too much output (over 64 MB) and was stopped."
            if name == "SIGKILL":
                return "the test process was killed while running this test (out of memory?)."
            return f"the test process was killed by {name} while running this test."
        code = event.get("code")
        if _size(attempt.output) >= OUTPUT_LIMIT - 1024 * 1024:
            return "your code printed too much output (over 64 MB) and was stopped."
        output = _read_tail(attempt.output)
        if "Timeout" in output and "+++" in output:
            return "time limit: this test ran past its hard time limit and was stopped."
        return (
            f"the test process exited (status {code}) in the middle of this test. Does "
            "your code call os._exit(), sys.exit() or similar? A kata must return or "
            "raise, never end the program."
        )

    def _output_tail(self, attempt: Attempt) -> str:
        tail = _read_tail(attempt.output).strip()
        if not tail:
            return ""
        lines = tail.splitlines()[-8:]
        return "\nlast output:\n" + "\n".join("    " + line for line in lines)


def _test_result(test: dict, record: dict, points: int) -> TestResult:
    status = record.get("status", "error")
    if status not in ("pass", "fail", "error", "skip"):
        status = "error"
    max_score = 0 if status == "skip" else points
    score = points if status == "pass" else 0
    virtual = record.get("virtual")
    return TestResult(
        test["name"],
        status,
        score,
        max_score,
        str(record.get("message", "")),
        test["nodeid"],
        float(virtual) if isinstance(virtual, (int, float)) else 0.0,
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - OUTPUT_TAIL))
            return f.read().decode(errors="replace")
    except OSError:
        return ""
