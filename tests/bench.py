"""``nox -s bench``: how long grading takes, as numbers (never asserted in tests).

Prints the time to grade every kata's reference solution in one run (median of
several), each kata's own cost, the start-up cost, the cost of the runner's isolation
against plain pytest on the same tests, and the virtual seconds simulated per real
second.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from graders.catalog import load_catalog
from graders.job import pytest_args
from graders.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    katas = [k for k in load_catalog(ROOT) if k.supported]
    work = [(k, (ROOT / "solutions" / k.id / "kata.py").resolve()) for k in katas]
    print(f"asyncio-katas benchmark: {len(katas)} katas, Python {sys.version.split()[0]}\n")

    cli = [sys.executable, "-m", "graders", "grade", "--from", "solutions", "-q"]
    totals = [timed(lambda: subprocess.run(cli, cwd=ROOT, check=False))[0] for _ in range(RUNS)]
    print(
        f"grade all reference solutions (CLI, median of {RUNS}): {statistics.median(totals):.2f} s"
    )
    print(f"  min {min(totals):.2f} s, max {max(totals):.2f} s")

    noop = [sys.executable, "-m", "graders", "grade", "--help"]
    startup = statistics.median(
        timed(lambda: subprocess.run(noop, cwd=ROOT, capture_output=True))[0] for _ in range(RUNS)
    )
    print(f"start-up (python -m graders, no grading): {startup * 1000:.0f} ms")

    runner = Runner(ROOT, jobs=1)
    first = work[0]
    warm = statistics.median(timed(lambda: runner.grade([first]))[0] for _ in range(RUNS))
    print(f"fork server start + one kata ({first[0].id}), serial: {warm * 1000:.0f} ms")

    print("\nper kata (one run, serial, in one fork server):")
    virtual_total = 0.0
    real_total = 0.0
    for kata, impl in work:
        elapsed, results = timed(lambda k=kata, i=impl: Runner(ROOT, jobs=1).grade([(k, i)]))
        virtual = sum(t.virtual for t in results[0].tests)
        virtual_total += virtual
        real_total += elapsed
        print(
            f"  {kata.id:<28} {elapsed * 1000:6.0f} ms  {results[0].status:<5} "
            f"{virtual:8.1f} virtual s"
        )
    print(f"virtual seconds simulated per real second: {virtual_total / real_total:.1f}")

    print("\nisolation cost (the same tests under plain pytest, in one process):")
    for kata, impl in work[:3]:
        spec = {"kata_dir": str(kata.path), "impl": str(impl), "results": "", "output": ""}
        args = [a for a in pytest_args(spec) if a not in ("--kata-results", "")]
        plain = [sys.executable, "-m", "pytest", *args]
        plain_t = statistics.median(
            timed(lambda p=plain: subprocess.run(p, cwd=ROOT, capture_output=True))[0]
            for _ in range(3)
        )
        ours_t = statistics.median(
            timed(lambda k=kata, i=impl: Runner(ROOT, jobs=1).grade([(k, i)]))[0] for _ in range(3)
        )
        print(
            f"  {kata.id:<28} plain pytest {plain_t * 1000:5.0f} ms, graders runner {ours_t * 1000:5.0f} ms"
        )


if __name__ == "__main__":
    main()
