"""`python -m graders gradebook`: a class graded at once, one row per student, a crash or
a killed grading process in one submission costing no other row, edited tests flagged.

The class is graded against the fixture kata's repository (tests/fixture_katas), whose
hidden tests and hostile submissions are small and fast."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time

import pytest

from graders import gradebook
from graders.catalog import load_catalog

from .conftest import FIXTURES

HOSTILE = FIXTURES.parent / "hostile"
SOLUTION = FIXTURES / "solutions/90_probe/kata.py"
SUBMISSIONS = {
    "alice": SOLUTION,
    "bob": HOSTILE / "kill_parent.py",  # kills the process that grades it
    "carol": HOSTILE / "segfault.py",
    "dave": SOLUTION,  # and an edited hidden test
    "erin": FIXTURES / "solutions/90_probe/mistakes/wrong.py",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for student, impl in SUBMISSIONS.items():
        kata = folder / student / "katas" / "90_probe"
        shutil.copytree(FIXTURES / "katas" / "90_probe", kata)
        shutil.copy(impl, kata / "kata.py")
    hidden = folder / "dave/katas/90_probe/.tests/test_probe.py"
    hidden.write_text(hidden.read_text().replace("expect.", "pass  # expect."))
    (folder / "frank").mkdir()  # cloned nothing: no katas/ at all
    out = folder / "grades.csv"
    done = subprocess.run(
        [sys.executable, "-m", "graders", "gradebook", str(folder), "--csv", str(out), "-j2"],
        cwd=FIXTURES,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    return rows, done.stderr


def test_one_row_per_student_one_column_per_kata(graded):
    rows, _ = graded
    assert rows[0] == ["student", "90_probe", "total", "max", "integrity", "hints"]
    assert [r[0] for r in rows[1:]] == [*SUBMISSIONS, "frank"]
    assert all(r[3] == "4" for r in rows[1:])


def test_a_crashing_or_parent_killing_submission_costs_only_its_own_row(graded):
    rows = {r[0]: r for r in graded[0][1:]}
    assert rows["alice"][1:3] == ["4", "4"]
    assert rows["bob"][1] == "0" and rows["carol"][1] == "0"
    assert rows["erin"][1] not in ("0", "4")  # partly right: partial credit
    assert rows["frank"][1:3] == ["0", "0"]


def test_edited_hidden_tests_are_flagged_and_earn_nothing_extra(graded):
    rows = {r[0]: r for r in graded[0][1:]}
    assert rows["dave"][1] == "4"  # graded with the teacher's tests, not dave's
    assert "katas/90_probe/.tests/test_probe.py (changed)" in rows["dave"][4]
    assert rows["alice"][4] == "" and rows["erin"][4] == ""
    assert "(missing)" in rows["frank"][4]


def test_progress_is_shown_on_stderr(graded):
    _, stderr = graded
    assert "[1/6]" in stderr and "[6/6]" in stderr and "submissions/min" in stderr


def test_students_are_graded_in_parallel(tmp_path, monkeypatch):
    for student in ("a", "b", "c", "d"):
        kata = tmp_path / student / "katas" / "90_probe"
        shutil.copytree(FIXTURES / "katas" / "90_probe", kata)
        shutil.copy(SOLUTION, kata / "kata.py")
    spans = []
    original = gradebook.grade_student

    def timed(*args):
        start = time.monotonic()
        row = original(*args)
        spans.append((start, time.monotonic()))
        return row

    monkeypatch.setattr(gradebook, "grade_student", timed)
    seen = []
    rows = gradebook.run(
        tmp_path,
        load_catalog(FIXTURES),
        root=FIXTURES,
        jobs=2,
        progress=lambda done, total, row, elapsed: seen.append((done, total)),
    )
    assert [(r.student, r.total) for r in rows] == [("a", 4), ("b", 4), ("c", 4), ("d", 4)]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    starts = sorted(spans)
    assert starts[1][0] < starts[0][1]  # the second began before the first ended
