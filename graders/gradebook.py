"""Grade a class: every student checkout in a folder, one CSV row per student.

    python -m graders gradebook SUBMISSIONS_DIR --csv grades.csv [--jobs N] [--manifest FILE]

Each subfolder of SUBMISSIONS_DIR is one student's checkout, shaped like this
repository. Only a student's ``katas/NN_slug/kata.py`` is graded, against *this*
repository's hidden tests and grader, so an edited test in a submission earns nothing
here. The submission's own tests, grader and workflow are still compared with the
teacher's manifest (the exported one with ``--manifest``, else computed from this
repository), and any difference is flagged in the ``integrity`` column: the scores
Classroom received from that student's workflow cannot be trusted.

The ``hints`` column reads the student's committed ``.kata-progress``: the hints they
were shown, in all and per kata (``3 (03:2 05:1)``), or ``unknown`` when the file is
absent. The student can edit that file, so it informs and never counts in a score.

``--jobs N`` students are graded at once (default: one per core), each by a runner of
its own, so one submission that crashes, hangs or kills its grading process costs
that submission's katas alone and never another row. Progress goes to stderr.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import hidden_tests, integrity, progress
from .catalog import Kata, UsageError, load_catalog, repo_root, select
from .runner import GraderError, Runner
from .scoring import KataResult


@dataclass
class Row:
    student: str
    results: list[KataResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    hints: str = "unknown"

    @property
    def total(self) -> int:
        return sum(r.score for r in self.results)


def students(submissions: Path) -> list[Path]:
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_integrity(student: Path, katas: list[Kata], manifest: dict) -> list[str]:
    """The submission's files that differ from the teacher's manifest (each named once)."""
    notes: list[str] = []
    for files in integrity.problems(student, katas, manifest).values():
        notes += [f for f in files if f not in notes]
    return notes


def hints_used(student: Path, katas: list[Kata]) -> str:
    """``"3 (03:2 05:1)"``: hints shown in all and per kata, per the student's progress
    file (each kata's count capped at its number of hints); "unknown" without one."""
    if not (student / progress.FILENAME).is_file():
        return "unknown"
    entries = progress.read(student / progress.FILENAME)
    counts = [(k, min(entries[k.id].hints, len(k.hints))) for k in katas if k.id in entries]
    used = [(k, n) for k, n in counts if n]
    if not used:
        return "0"
    detail = " ".join(f"{k.number:02d}:{n}" for k, n in used)
    return f"{sum(n for _, n in used)} ({detail})"


def grade_student(root: Path, student: Path, katas: list[Kata], manifest: dict, hidden=None) -> Row:
    row = Row(student.name)
    start = time.monotonic()
    row.flags = check_integrity(student, katas, manifest)
    row.hints = hints_used(student, katas)
    work = [(kata, (student / "katas" / kata.id / "kata.py").resolve()) for kata in katas]
    try:
        row.results = Runner(root, jobs=1, hidden=hidden).grade(work)
    except GraderError as exc:  # the grader broke, not the student: say so, grade nothing
        row.results = [KataResult(k, error=f"grader failure: {exc}") for k in katas]
        row.flags.append(f"grader failure: {str(exc).splitlines()[0]}")
    row.seconds = time.monotonic() - start
    return row


def run(
    submissions: Path,
    katas: list[Kata],
    *,
    root: Path | None = None,
    jobs: int | None = None,
    manifest: dict | None = None,
    progress=None,
) -> list[Row]:
    root = root or repo_root()
    manifest = manifest if manifest is not None else integrity.build(root, katas)
    folders = students(submissions)
    jobs = max(1, jobs or os.cpu_count() or 2)
    rows: dict[str, Row] = {}
    lock = threading.Lock()
    started = time.monotonic()
    # The teacher's hidden tests, read once before any student's code runs: a student
    # whose code edits them on disk cannot change how the students after them are graded.
    hidden = hidden_tests.read_all(katas)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="gradebook") as pool:
        futures = {pool.submit(grade_student, root, s, katas, manifest, hidden): s for s in folders}
        for future in as_completed(futures):
            row = future.result()
            with lock:
                rows[row.student] = row
                if progress is not None:
                    progress(len(rows), len(folders), row, time.monotonic() - started)
    return [rows[s.name] for s in folders]


def write_csv(rows: list[Row], katas: list[Kata], path: str | Path) -> None:
    header = ["student", *(k.id for k in katas), "total", "max", "integrity", "hints"]
    maximum = sum(k.points for k in katas if k.supported)
    out = sys.stdout if str(path) == "-" else open(path, "w", newline="", encoding="utf-8")
    try:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    row.student,
                    *(r.score for r in row.results),
                    row.total,
                    maximum,
                    "; ".join(row.flags),
                    row.hints,
                ]
            )
    finally:
        if out is not sys.stdout:
            out.close()


def _progress(done: int, total: int, row: Row, elapsed: float) -> None:
    rate = done / elapsed * 60 if elapsed else 0.0
    flag = "  INTEGRITY" if row.flags else ""
    print(
        f"[{done}/{total}] {row.student}: {row.total} points ({row.seconds:.1f} s)"
        f"{flag} · {rate:.1f} submissions/min",
        file=sys.stderr,
        flush=True,
    )


def cmd_gradebook(args) -> int:
    root = repo_root()
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        raise UsageError(f"{args.submissions}: no such directory")
    katas = select(load_catalog(root), args.katas or [])
    manifest = None
    if args.manifest:
        try:
            manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--manifest {args.manifest}: {exc}") from exc
    if not students(submissions):
        raise UsageError(f"{args.submissions}: no student folders in it")
    rows = run(submissions, katas, root=root, jobs=args.jobs, manifest=manifest, progress=_progress)
    write_csv(rows, katas, args.csv)
    flagged = sum(1 for r in rows if r.flags)
    print(
        f"graded {len(rows)} submissions"
        + (f"; {flagged} flagged in the integrity column" if flagged else ""),
        file=sys.stderr,
    )
    return 0
