"""``nox -s stability -- [RUNS] [BURNERS]``: grade every reference solution RUNS times
while BURNERS processes burn CPU, and count verdicts that changed between runs.

A verdict is a kata's per-test statuses and scores; the target is zero changes.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from pathlib import Path

from graders.catalog import load_catalog
from graders.runner import Runner

ROOT = Path(__file__).resolve().parent.parent


def burn() -> None:
    while True:
        pass


def verdicts(results) -> dict:
    return {r.id: [(t.name, t.status, t.score) for t in r.tests] + [r.status] for r in results}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    burners = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    katas = [k for k in load_catalog(ROOT) if k.supported]
    work = [(k, (ROOT / "solutions" / k.id / "kata.py").resolve()) for k in katas]
    procs = [multiprocessing.Process(target=burn, daemon=True) for _ in range(burners)]
    for p in procs:
        p.start()
    try:
        first = None
        changed = 0
        not_full = set()
        for i in range(runs):
            start = time.perf_counter()
            results = Runner(ROOT).grade(work)
            now = verdicts(results)
            not_full |= {r.id for r in results if r.score != r.max_score}
            if first is None:
                first = now
            else:
                diff = [k for k in now if now[k] != first[k]]
                changed += len(diff)
                for kata in diff:
                    print(f"  run {i + 1}: {kata} changed: {json.dumps(now[kata])}")
            print(f"run {i + 1}/{runs}: {time.perf_counter() - start:.1f} s")
    finally:
        for p in procs:
            p.terminate()
    print(
        f"\n{len(work)} katas x {runs} runs with {burners} CPU burners: "
        f"{changed} verdicts changed; reference solutions short of full marks: "
        f"{sorted(not_full) or 'none'}"
    )
    sys.exit(1 if changed or not_full else 0)


if __name__ == "__main__":
    main()
