"""Grade katas in child processes and turn what they report into results.

The runner never imports learner code. It starts one job per kata (forked from a
pre-warmed server where the OS allows, spawned elsewhere; a slow kata may be split
into shards), runs several at once (the katas on the real clock first, beside the
CPU-bound ones: see WAITING_PER_SLOT), reads each job's results channel, and enforces
a hard time limit per test. A job that dies
or hangs costs only the test it was running: the runner records why, in words, and
starts a fresh job for the tests that had not run yet.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import channel, reaper
from .catalog import Kata
from .hidden_tests import HiddenTests
from .scoring import KataResult, TestResult
from .timing_chart import Chart

#: Real seconds a job may take before its first test starts (collection, import).
STARTUP_LIMIT = 20.0
#: Real seconds past a test's own pytest-timeout limit before the runner kills the job.
KILL_MARGIN = 3.0
#: Jobs of katas on the real clock (their tests marked ``realtime``: sockets, subprocesses,
#: threads) mostly wait, for seconds: they start first, and run beside the CPU-bound jobs,
#: up to this many per CPU slot (their tests' time bounds hold on a loaded machine).
WAITING_PER_SLOT = 2
_REALTIME = b"mark.realtime"  # as the hidden tests mark them (graders.plugin)
#: Real seconds between two looks at the running jobs' deadlines when nothing happens (a
#: job's start or end is seen at once).
POLL = 0.05
OUTPUT_TAIL = 1200
OUTPUT_LIMIT = 64 * 1024 * 1024  # as graders.job sets it (not imported: job imports pytest)
CPU_LIMIT = 120  # seconds, as graders.job sets it
TOO_MUCH_OUTPUT = (
    "your code printed too much output (over 64 MB, the limit for one kata) and was "
    "stopped. Remove prints inside loops, or print a summary instead."
)
MEMORY_LIMIT = "2 GiB"  # as graders.job sets it
#: How a grading process starts: never with the repository first on sys.path (``-P``,
#: no PYTHONPATH), so a ``json.py`` or ``pytest.py`` that kata code (or a learner) left
#: at the top of the repository cannot stand in for the real module; the repository is
#: appended, for a grader that is not installed.
BOOT = "import sys, runpy; sys.path.append(sys.argv.pop(1)); runpy.run_module(sys.argv[1], run_name='__main__', alter_sys=True)"


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
    # The job's secret: it signs the records the job writes (graders.channel).
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    tests_dir: str = ""
    # In the job's file names: kata code cannot plant files (a conftest.py, a symlink)
    # where a job not started yet will look.
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    waits: bool = False  # a kata on the real clock (see WAITING_PER_SLOT)
    shard: str = ""  # "K/N": this job runs the K-th of the kata's N shares (Kata.shards)
    forked_at: float = 0.0  # when the job's process started (KataResult.seconds)

    @property
    def results(self) -> Path:
        return self.workdir / f"{self.id}-{self.token}.results"

    @property
    def output(self) -> Path:
        return self.workdir / f"{self.id}-{self.token}.output"

    def spec(self, root: Path) -> dict:
        return {
            "kata_dir": str(self.kata.path),
            "impl": str(self.impl),
            "results": str(self.results),
            "output": str(self.output),
            "deselect": self.deselect,
            "root": str(root),
            "key": self.key.hex(),
            "tests_dir": self.tests_dir,
            "shard": self.shard,
        }


class _ForkServer:
    """Jobs forked from ``python -m graders.forkserver`` (POSIX)."""

    def __init__(self, root: Path, workdir: Path):
        self.stderr_path = workdir / f"forkserver-{time.monotonic_ns()}.err"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-c", BOOT, str(root), "graders.forkserver"],
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
            [sys.executable, "-P", "-c", BOOT, str(root), "graders.job"],
            stdin=subprocess.PIPE,  # the spec, with its secret: not on the command line
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=root,
            env=_child_env(root),
            creationflags=flags,
            start_new_session=os.name != "nt",
        )
        proc.stdin.write((json.dumps(attempt.spec(root)) + "\n").encode())
        proc.stdin.close()
        self.procs[attempt.id] = proc
        self._pending.append({"started": attempt.id, "pid": proc.pid})

    def poll(self, timeout: float) -> list[dict]:
        events, self._pending = self._pending, []
        time.sleep(timeout if not events else 0)
        for job, proc in list(self.procs.items()):
            code = proc.poll()
            if code is not None:
                del self.procs[job]
                if os.name != "nt":  # what the job left behind (after reaping: a small race)
                    reaper.end_session(proc.pid)
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
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    return env


class Runner:
    def __init__(
        self,
        root: Path,
        jobs: int | None = None,
        hidden: dict[Path, HiddenTests] | None = None,
        *,
        warm: bool = False,
    ):
        self.root = root
        self.jobs = max(1, jobs or os.cpu_count() or 2)
        # ``warm`` (for ``watch``, which grades again on every save): after each grade a
        # fresh fork server starts importing at once, so the next grade does not wait
        # for one. Each grade still gets a new server, and the hidden tests are read
        # anew each time. Call close() when done.
        self.warm = warm
        self._spare = None
        self._warm_dir = Path(tempfile.mkdtemp(prefix="graders-warm-")) if warm else None
        self._counter = 0
        # Kata folder -> its hidden tests as read before any kata code ran. Runners that
        # grade one after another (the gradebook) can share one, read before the first.
        self._hidden: dict[Path, HiddenTests] = {} if hidden is None else hidden
        # A test's position among all its kata's tests (results of shards interleave).
        self._positions: dict[tuple[str, str], int] = {}
        # Results voided by one job of a kata split into shards: its other jobs too.
        self._voided: dict[int, str] = {}

    def close(self) -> None:
        """Stop the spare server of a ``warm`` runner and remove its files."""
        if self._spare is not None:
            self._spare.close()
            self._spare = None
        if self._warm_dir is not None:
            shutil.rmtree(self._warm_dir, ignore_errors=True)

    def grade(self, work: list[tuple[Kata, Path]]) -> list[KataResult]:
        results = {id(item): KataResult(kata) for item in work for kata in [item[0]]}
        by_key: dict[int, KataResult] = {}
        pending: list[Attempt] = []
        if self.warm:
            self._hidden.clear()  # an author may have edited them since the last grade
        with tempfile.TemporaryDirectory(prefix="graders-", dir=self._warm_dir) as tmp:
            workdir = Path(tmp)
            for item in work:
                kata, impl = item
                result = results[id(item)]
                if not kata.supported:
                    result.skipped = kata.skip_reason
                elif not impl.is_file():
                    result.error = f"{impl} is missing: there is no kata.py to grade for {kata.id}."
                else:
                    # Read before any kata code runs; each job gets a copy (hidden_tests).
                    if kata.path not in self._hidden:
                        self._hidden[kata.path] = HiddenTests(kata)
                    for k in range(kata.shards):
                        shard = f"{k}/{kata.shards}" if kata.shards > 1 else ""
                        attempt = self._attempt(kata, impl, workdir, shard=shard)
                        by_key[id(attempt)] = result
                        pending.append(attempt)
            if pending:
                pending.sort(key=lambda attempt: not attempt.waits)  # the long ones first
                self._run_all(pending, by_key, workdir)
        for item in work:
            hidden = self._hidden.get(item[0].path)
            changed = hidden.changed() if hidden is not None else []
            if changed:
                _void(results[id(item)], None, hidden.message(changed))
        return [results[id(item)] for item in work]

    def _attempt(
        self, kata: Kata, impl: Path, workdir: Path, deselect=(), shard: str = ""
    ) -> Attempt:
        self._counter += 1
        attempt = Attempt(f"job{self._counter}", kata, impl, workdir, list(deselect))
        attempt.shard = shard
        hidden = self._hidden.get(kata.path)
        attempt.waits = hidden is not None and any(
            _REALTIME in source for source in hidden.tests.values()
        )
        return attempt

    def _launcher(self, workdir: Path):
        if hasattr(os, "fork") and not os.environ.get("GRADERS_SPAWN"):
            if self._spare is not None:
                spare, self._spare = self._spare, None
                if spare.process.poll() is None:
                    return spare
                spare.close()
            return _ForkServer(self.root, self._warm_dir or workdir)
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
                while pending and not solo:
                    attempt = self._next(pending, running)
                    if attempt is None:
                        break
                    self._start(attempt, running, launcher)
                for event in launcher.poll(POLL):
                    if "started" in event and event["started"] in running:
                        running[event["started"]].pid = event["pid"]
                        running[event["started"]].forked_at = time.monotonic()
                    elif "exited" in event and event["exited"] in running:
                        attempt = running.pop(event["exited"])
                        by_key[id(attempt)].seconds += time.monotonic() - (
                            attempt.forked_at or attempt.started_at
                        )
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
                                    attempt.kata,
                                    attempt.impl,
                                    workdir,
                                    attempt.deselect,
                                    attempt.shard,
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
            if self.warm and isinstance(launcher, _ForkServer):
                self._spare = _ForkServer(self.root, self._warm_dir)

    def _next(self, pending: list[Attempt], running: dict) -> Attempt | None:
        """The next attempt a free slot can take, or None: CPU-bound jobs fill ``jobs``
        slots, jobs on the real clock ``jobs * WAITING_PER_SLOT`` more."""
        waiting = sum(1 for attempt in running.values() if attempt.waits)
        for index, attempt in enumerate(pending):
            if attempt.waits and waiting < self.jobs * WAITING_PER_SLOT:
                return pending.pop(index)
            if not attempt.waits and len(running) - waiting < self.jobs:
                return pending.pop(index)
        return None

    def _start(self, attempt: Attempt, running: dict, launcher) -> None:
        hidden = self._hidden.get(attempt.kata.path)
        if hidden is not None:
            folder = hidden.copy_to(attempt.workdir / f"{attempt.id}-{attempt.token}.tests")
            attempt.tests_dir = str(folder)
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
            for record in channel.read(attempt.results, attempt.key):
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
        records, problem = channel.read_checked(attempt.results, attempt.key)
        collected = next((r for r in records if r["type"] == "collected"), None)
        tampered = next((r for r in records if r["type"] == "tampered"), None)
        if problem is not None or tampered is not None or id(result) in self._voided:
            # Kata code wrote into the results, or changed the grader (graders.guard):
            # nothing this kata's jobs reported can be trusted.
            message = (
                self._voided.get(id(result))
                or (tampered or {}).get("message")
                or (
                    f"{problem}. Only the grader may write results, so no test of this kata "
                    "can be trusted: it scores 0."
                )
            )
            if attempt.shard:  # keep (voided) what the kata's other shares reported
                kept = result.tests
                _void(result, (collected or {}).get("tests"), message)
                ours = {t.nodeid for t in result.tests}
                result.tests[:0] = [
                    TestResult(t.name, "error", 0, t.max_score, message, t.nodeid)
                    for t in kept
                    if t.nodeid not in ours
                ]
                self._voided[id(result)] = message
            else:
                _void(result, (collected or {}).get("tests"), message)
            return None
        kata_error = next((r for r in records if r["type"] == "kata_error"), None)
        finished = {r["nodeid"]: r for r in records if r["type"] == "test" and "nodeid" in r}
        for record in records:  # a verdict written mid-test outranks a later "pass"
            if (
                record["type"] == "verdict"
                and finished.get(record.get("nodeid"), {}).get("status") == "pass"
            ):
                finished[record["nodeid"]] = {**finished[record["nodeid"]], **record}
        starts = [r.get("nodeid") for r in records if r["type"] == "start"]
        crash = self._crash_message(attempt, event)

        if collected is None:
            result.error = (kata_error or {}).get("message") or (
                "the hidden tests could not be run. " + crash + self._output_tail(attempt)
            )
            return None
        tests = [t for t in collected.get("tests", []) if isinstance(t, dict) and "nodeid" in t]
        for index, test in enumerate(tests):
            position = test.get("position", index)
            self._positions[attempt.kata.id, test["nodeid"]] = (
                position if isinstance(position, int) else index
            )
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
            return self._attempt(
                attempt.kata, attempt.impl, workdir, attempt.deselect + done, attempt.shard
            )
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
        kata_id = attempt.kata.id
        result.tests.sort(key=lambda t: self._positions.get((kata_id, t.nodeid), 0))
        return None

    def _fill_missing(self, attempt: Attempt, result: KataResult, message: str) -> None:
        records = channel.read(attempt.results, attempt.key)
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
                return TOO_MUCH_OUTPUT
            if name == "SIGXCPU":
                return (
                    f"your code used more than {CPU_LIMIT} s of CPU time (the limit for one "
                    "kata: all its tests and threads together) and was stopped. Is a loop "
                    "or a thread left spinning without end? Make sure every loop ends and "
                    "every thread you start is joined."
                )
            if name == "SIGKILL":
                return (
                    "the test process was killed while running this test: it may have run "
                    f"out of memory (the limit is {MEMORY_LIMIT} per kata) or of CPU time "
                    f"({CPU_LIMIT} s). Look for a list that grows without end, or a loop "
                    "that never stops."
                )
            return f"the test process was killed by {name} while running this test."
        code = event.get("code")
        if _size(attempt.output) >= OUTPUT_LIMIT - 1024 * 1024:
            return TOO_MUCH_OUTPUT
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


def _void(result: KataResult, tests: list | None, message: str) -> None:
    """Every test of ``result`` an error worth 0, with ``message``: nothing its jobs
    reported can be trusted. ``tests``: the collected tests, if the kept ones are not all."""
    if tests:
        kept = [
            TestResult(t["name"], "error", 0, int(t.get("points", 1)), message, t["nodeid"])
            for t in tests
            if isinstance(t, dict) and "nodeid" in t and "name" in t
        ]
    else:
        kept = [
            TestResult(t.name, "error", 0, t.max_score, message, t.nodeid) for t in result.tests
        ]
    result.tests = kept
    result.error = message


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
        Chart.from_json(record["chart"]) if "chart" in record else None,
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
