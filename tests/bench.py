"""``nox -s bench``: how long grading takes, as numbers (never asserted in tests).

Prints the time to grade every kata's reference solution in one run (median of
several, with the CPU it used), the start-up cost, each kata's own cost (a table sorted
by cost, the 100 ms target marked), what one job spends its time on, the cost of the
runner's isolation against plain pytest on the same tests, the virtual seconds
simulated per real second, then one line per target: met, or missed and what bounds it.
The machine may be shared: the load average is printed with the numbers.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from graders.catalog import load_catalog
from graders.job import pytest_args
from graders.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5  # whole runs, and start-up measurements
KATA_RUNS = 3  # per kata
#: The targets (issue 9): all reference solutions, start-up, any one kata.
TOTAL_TARGET = 5.0
STARTUP_TARGET = 1.0
KATA_TARGET = 0.100
CORES = os.cpu_count() or 1


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def run_cli(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds (every process it started, children included) of one CLI run."""
    cpu = children_cpu()
    wall, _ = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "graders", *args], cwd=ROOT, capture_output=True, check=False
        )
    )
    return wall, children_cpu() - cpu


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    katas = [k for k in load_catalog(ROOT) if k.supported]
    work = [(k, (ROOT / "solutions" / k.id / "kata.py").resolve()) for k in katas]
    print(
        f"asyncio-katas benchmark: {len(katas)} katas, Python {sys.version.split()[0]}, "
        f"{CORES} CPUs, {load()}\n"
    )

    # -- the whole run ---------------------------------------------------------------------
    runs = [run_cli("grade", "--from", "solutions", "-q") for _ in range(RUNS)]
    total = statistics.median(wall for wall, _ in runs)
    total_cpu = statistics.median(cpu for _, cpu in runs)
    print(
        f"grade all reference solutions (CLI, median of {RUNS}): {total:.2f} s "
        f"(min {min(w for w, _ in runs):.2f}, max {max(w for w, _ in runs):.2f}; {load()})"
    )
    print(
        f"  CPU used (all processes): {total_cpu:.1f} s, so at least "
        f"{total_cpu / CORES:.1f} s on {CORES} cores"
    )

    # -- start-up ------------------------------------------------------------------------
    cli_only = statistics.median(run_cli("grade", "--help")[0] for _ in range(RUNS))
    server = statistics.median(
        timed(
            lambda: subprocess.run(
                [sys.executable, "-c", "from graders import forkserver; forkserver.preload()"],
                cwd=ROOT,
                check=True,
            )
        )[0]
        for _ in range(RUNS)
    )
    first = work[0]
    one_job = statistics.median(Runner(ROOT, jobs=1).grade([first])[0].seconds for _ in range(RUNS))
    one_cli = statistics.median(
        run_cli("grade", first[0].id, "--from", "solutions", "-q")[0] for _ in range(RUNS)
    )
    startup = one_cli - one_job
    print(f"\nstart-up (median of {RUNS}; {load()}):")
    print(f"  python -m graders grade --help (the command line alone):   {ms(cli_only)}")
    print(f"  fork server: interpreter and every import a job needs:      {ms(server)}")
    print(f"  grade {first[0].id}, end to end, minus its job ({ms(one_job)}): {ms(startup)}")

    # -- per kata --------------------------------------------------------------------------
    print(f"\nper kata: its job, fork to exit, alone (median of {KATA_RUNS}; {load()}):")
    rows = []
    for kata, impl in work:
        results = [Runner(ROOT, jobs=CORES).grade([(kata, impl)])[0] for _ in range(KATA_RUNS)]
        seconds = statistics.median(r.seconds for r in results)
        virtual = sum(t.virtual for t in results[0].tests)
        waits = "realtime" in " ".join(p.read_text() for p in kata.test_files)
        rows.append((kata, seconds, virtual, waits, results[0].status))
    for kata, seconds, virtual, waits, status in sorted(rows, key=lambda row: -row[1]):
        mark = "over" if seconds > KATA_TARGET else "ok"
        kind = "real clock" if waits else f"{virtual:7.1f} virtual s"
        shards = f", {kata.shards} jobs side by side" if kata.shards > 1 else ""
        print(f"  {kata.id:<26} {seconds * 1000:6.0f} ms  {mark:<4}  {status:<5} {kind}{shards}")
    virtual_rows = [row for row in rows if not row[3]]
    print(f"  (target: {ms(KATA_TARGET)} a kata; 'over' marks the katas above it)")

    # -- one job, phase by phase ---------------------------------------------------------
    phases = job_anatomy(first)
    print(f"\none job, phase by phase ({first[0].id}; CPU ms, median of {RUNS}):")
    for name, cpu in phases.items():
        print(f"  {name:<44} {cpu:6.1f} ms")

    # -- isolation -------------------------------------------------------------------------
    print("\nisolation cost (the same tests: plain pytest vs the runner, each a fresh process):")
    picked = [w for w in work if w[0].id[:2] in ("01", "17", "25")] or work[:3]
    for kata, impl in picked:
        spec = {"kata_dir": str(kata.path), "impl": str(impl), "results": "", "output": ""}
        args = [a for a in pytest_args(spec) if a not in ("--kata-results", "")]
        plain_cmd = [sys.executable, "-m", "pytest", *args]
        plain = statistics.median(
            timed(lambda c=plain_cmd: subprocess.run(c, cwd=ROOT, capture_output=True))[0]
            for _ in range(KATA_RUNS)
        )
        ours = statistics.median(
            run_cli("grade", kata.id, "--from", "solutions", "-q")[0] for _ in range(KATA_RUNS)
        )
        print(
            f"  {kata.id:<26} plain pytest {ms(plain):>7}, python -m graders grade "
            f"{ms(ours):>7} (+{ms(ours - plain)})"
        )

    # -- virtual time ----------------------------------------------------------------------
    simulated = sum(row[2] for row in virtual_rows)
    spent = sum(row[1] for row in virtual_rows)
    print(
        f"\nvirtual seconds simulated per real second: {simulated / spent:.1f} "
        f"({simulated:.0f} virtual s in {spent:.1f} s of jobs, the virtual-time katas)"
    )

    # -- targets ---------------------------------------------------------------------------
    print("\ntargets:")
    pole = max(rows, key=lambda row: row[1] / row[0].shards)
    verdict(
        f"grade all under {TOTAL_TARGET:g} s: {total:.2f} s",
        total < TOTAL_TARGET,
        f"CPU: a run uses {total_cpu:.1f} s of CPU, {total_cpu / CORES:.1f} s on {CORES} "
        f"cores at best; the longest job is {pole[0].id}'s, "
        f"{pole[1] / pole[0].shards:.1f} s, waiting on the real clock",
    )
    verdict(
        f"start-up under {STARTUP_TARGET:g} s: {startup:.2f} s",
        startup < STARTUP_TARGET,
        f"the command line ({ms(cli_only)}), then the fork server's imports ({ms(server)})",
    )
    over = [row for row in virtual_rows if row[1] > KATA_TARGET]
    waiting = [row for row in rows if row[3]]
    fastest = min(rows, key=lambda row: row[1])
    fixed = ", ".join(f"{name} {cpu:.0f} ms" for name, cpu in phases.items())
    verdict(
        f"no kata above {ms(KATA_TARGET)}: {len(over)} of {len(virtual_rows)} virtual-time "
        f"katas above it, and the {len(waiting)} on the real clock",
        not over and not waiting,
        f"every job's fixed cost (the fastest kata, {fastest[0].id}, takes "
        f"{ms(fastest[1])}; one job's CPU: {fixed}); the katas on the real clock wait "
        "in real time, seconds, for what their tests must see happen",
    )

    watch_latency()


def verdict(what: str, met: bool, bound: str) -> None:
    print(f"  {what}: " + ("met" if met else f"missed (bound: {bound})"))


def job_anatomy(item) -> dict[str, float]:
    """CPU milliseconds of each phase of one job, forked (as graders.forkserver forks
    them) from this process once it has imported what the fork server imports."""
    import gc

    from graders import forkserver

    forkserver.preload()
    gc.freeze()
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for n in range(RUNS):
            out = Path(tmp) / f"phases{n}.json"
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    _timed_job(item, Path(tmp), n, out)
                    code = 0
                finally:
                    os._exit(code)
            os.waitpid(pid, 0)
            marks = json.loads(out.read_text())
            for (_, before), (name, after) in itertools.pairwise(marks):
                samples.setdefault(name, []).append((after - before) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


class _PhaseClock:
    """A pytest plugin noting the CPU time as each phase of a job ends."""

    def __init__(self):
        self.marks = [("fork", time.process_time())]

    def mark(self, name: str) -> None:
        self.marks.append((name, time.process_time()))

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        self.mark("pytest start-up and configuration")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        self.mark("configure hooks, session start (plugin fixtures)")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        self.mark("collection, sealing, first import of kata.py")

    def pytest_sessionfinish(self, session):
        self.mark(f"the {len(session.items)} tests")


def _timed_job(item, tmp: Path, n: int, out: Path) -> None:
    """The job as graders.job.run runs it, with a clock on each phase."""
    from graders import job

    kata, impl = item
    spec = {
        "kata_dir": str(kata.path),
        "impl": str(impl),
        "results": str(tmp / f"r{n}"),
        "output": str(tmp / f"o{n}"),
    }
    clock = _PhaseClock()
    job.redirect_output(spec["output"])
    os.chdir(ROOT)
    pytest.main(job.pytest_args(spec), plugins=[clock])
    clock.mark("wind-down")
    out.write_text(json.dumps(clock.marks))


def watch_latency(saves: int = 10) -> None:
    """``python -m graders watch``: from saving kata.py to its result on screen, with file
    events and with --poll (kata 03, a wrong solution saved ``saves`` times), split into
    the watcher's part (noticing the save, debounce), grading, and showing the result."""
    wrong = (ROOT / "solutions/03_gather_in_order/mistakes/serial_loop.py").read_text()
    print(f"\nwatch: save -> result on screen (kata 03, wrong; median of {saves} saves)")
    for mode, poll in (("file events", False), ("--poll", True)):
        rows = _watch_saves(wrong, poll, saves)
        if len(rows) < saves:
            print(f"  {mode:<12} gave up: {len(rows)} of {saves} saves shown within 120 s")
            continue
        watcher, grading, showing, total = (
            statistics.median(column) * 1000 for column in zip(*rows, strict=True)
        )
        print(
            f"  {mode:<12} {total:5.0f} ms = watcher {watcher:4.0f} ms + grading "
            f"{grading:4.0f} ms + showing {showing:3.0f} ms"
        )


def _watch_saves(wrong: str, poll: bool, saves: int) -> list[tuple[float, ...]]:
    """(watcher, grading, showing, total) seconds for each save, watching a copy of 03."""
    import shutil
    import threading

    from graders.cli import grade
    from graders.watch import Watch

    graded: list[tuple[float, float]] = []
    shown: list[float] = []

    class Screen:
        def write(self, text: str) -> int:
            if "save it to grade it again" in text:  # the line after each result
                shown.append(time.perf_counter())
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    def shown_at_least(count: int) -> bool:
        deadline = time.monotonic() + 120
        while len(shown) < count and time.monotonic() < deadline:
            time.sleep(0.002)
        return len(shown) >= count

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        repo = Path(tmp)
        shutil.copytree(ROOT / "katas/03_gather_in_order", repo / "katas/03_gather_in_order")
        path = repo / "katas/03_gather_in_order/kata.py"
        path.write_text(wrong)

        runner = Runner(repo, warm=True)  # as watch grades: a server warms between saves

        def grader(katas):
            start = time.perf_counter()
            results = grade(katas, root=repo, runner=runner).katas
            graded.append((start, time.perf_counter()))
            return results

        katas = load_catalog(repo)
        watch = Watch(katas, repo, out=Screen(), poll=poll, grade=grader)
        thread = threading.Thread(target=watch.run, args=(katas[0],), daemon=True)
        thread.start()
        try:
            if shown_at_least(1):  # the grade made when watch starts
                for n in range(saves):
                    time.sleep(1.0)  # a learner reads the result before saving again
                    saved = time.perf_counter()
                    path.write_text(f"{wrong}\n# save {n}\n")
                    if not shown_at_least(n + 2):
                        break
                    start, end = graded[-1]
                    rows.append((start - saved, end - start, shown[-1] - end, shown[-1] - saved))
        finally:
            watch.stop()
            thread.join(timeout=30)
            runner.close()
    return rows


if __name__ == "__main__":
    main()
