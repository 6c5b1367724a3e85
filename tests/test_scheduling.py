"""How the runner schedules jobs: katas on the real clock start first and run beside the
CPU-bound ones, and a kata split into shards (kata.toml ``shards``) runs its shares side
by side yet reports exactly what one job would.

Running "side by side" is shown without timing: two tests meet at a rendezvous (each
leaves a file and waits for the other's), which only works if both run at once.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from graders.catalog import load_kata
from graders.runner import Runner

from .conftest import FIXTURES

#: Real seconds a test waits at the rendezvous before it says the other never came.
MEET = 20

RENDEZVOUS = """\
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.points(1){marks}]
PLACE = Path({place!r})


def meet(me, other):
    (PLACE / me).touch()
    deadline = time.monotonic() + {meet}
    while not (PLACE / other).exists():
        assert time.monotonic() < deadline, f"{{me}} waited {meet}s: {{other}} never came"
        time.sleep(0.01)
"""


def make_kata(folder: Path, number: int, *, tests: str, shards: int = 1, realtime: bool):
    """A kata ``folder/katas/NN_meet`` whose tests are ``tests`` after RENDEZVOUS."""
    kata_dir = folder / "katas" / f"{number}_meet"
    (kata_dir / ".tests").mkdir(parents=True)
    (kata_dir / "kata.toml").write_text(
        f'title = "Meet"\nmodule = 9\npoints = 2\nshards = {shards}\nhints = ["a", "b", "c"]\n'
    )
    (kata_dir / "kata.py").write_text("VALUE = 1\n")
    marks = ", pytest.mark.realtime" if realtime else ""
    source = RENDEZVOUS.format(marks=marks, place=str(folder), meet=MEET)
    (kata_dir / ".tests" / "test_meet.py").write_text(source + textwrap.dedent(tests))
    return load_kata(kata_dir)


def grade(root: Path, katas, jobs: int):
    results = Runner(root, jobs=jobs).grade([(k, k.path / "kata.py") for k in katas])
    return {r.id: r for r in results}


def verdicts(result) -> list[tuple[str, str, int, int]]:
    return [(t.name, t.status, t.score, t.max_score) for t in result.tests]


def test_a_kata_on_the_real_clock_runs_beside_a_cpu_bound_one(tmp_path):
    # With one CPU slot, the two katas meet only if the one on the real clock takes a
    # slot of its own (and starts first although it comes second).
    cpu = make_kata(
        tmp_path,
        91,
        realtime=False,
        tests="""
        def test_cpu_meets_waiting(kata):
            meet("cpu", "waiting")
        """,
    )
    waiting = make_kata(
        tmp_path,
        92,
        realtime=True,
        tests="""
        def test_waiting_meets_cpu(kata):
            meet("waiting", "cpu")
        """,
    )
    results = grade(tmp_path, [cpu, waiting], jobs=1)
    assert verdicts(results[cpu.id]) == [("test_cpu_meets_waiting", "pass", 1, 1)]
    assert verdicts(results[waiting.id]) == [("test_waiting_meets_cpu", "pass", 1, 1)]


def test_cpu_bound_katas_keep_to_their_slots(tmp_path):
    # Two CPU-bound katas with one slot run one after the other: they never meet.
    first = make_kata(
        tmp_path,
        91,
        realtime=False,
        tests="""
        def test_first(kata):
            (PLACE / "first").touch()
            assert not (PLACE / "second").exists()
        """,
    )
    second = make_kata(
        tmp_path,
        92,
        realtime=False,
        tests="""
        def test_second(kata):
            (PLACE / "second").touch()
            assert (PLACE / "first").exists()
        """,
    )
    results = grade(tmp_path, [first, second], jobs=1)
    assert verdicts(results[first.id]) == [("test_first", "pass", 1, 1)]
    assert verdicts(results[second.id]) == [("test_second", "pass", 1, 1)]


def test_the_shards_of_a_kata_run_side_by_side(tmp_path):
    kata = make_kata(
        tmp_path,
        93,
        shards=2,
        realtime=True,
        tests="""
        def test_one(kata):
            meet("one", "two")


        def test_two(kata):
            meet("two", "one")
        """,
    )
    results = grade(tmp_path, [kata], jobs=1)
    assert verdicts(results[kata.id]) == [
        ("test_one", "pass", 1, 1),
        ("test_two", "pass", 1, 1),
    ]


def test_a_kata_in_shards_reports_what_one_job_reports(tmp_path):
    # The probe kata (4 tests) graded whole and in 3 shards: the same tests, in the same
    # order, with the same verdicts, for a solution and for a wrong one.
    whole = tmp_path / "whole" / "katas" / "90_probe"
    split = tmp_path / "split" / "katas" / "90_probe"
    shutil.copytree(FIXTURES / "katas" / "90_probe", whole)
    shutil.copytree(FIXTURES / "katas" / "90_probe", split)
    toml = split / "kata.toml"
    toml.write_text(toml.read_text().replace("points = 4\n", "points = 4\nshards = 3\n"))
    impls = [
        FIXTURES / "solutions/90_probe/kata.py",
        FIXTURES / "solutions/90_probe/mistakes/wrong.py",
        FIXTURES / "solutions/90_probe/mistakes/no_wait.py",
    ]
    graded = {}
    for name, folder in (("whole", whole), ("split", split)):
        kata = load_kata(folder)
        results = Runner(tmp_path / name, jobs=2).grade([(kata, impl) for impl in impls])
        graded[name] = [(r.status, r.score, r.max_score, verdicts(r)) for r in results]
    assert load_kata(split).shards == 3
    assert graded["split"] == graded["whole"]
    assert [v[0] for v in graded["whole"]] == ["pass", "fail", "fail"]


def test_a_warm_runner_grades_each_time_with_a_fresh_server(probe):
    """``watch`` keeps a warm Runner: after each grade a new fork server is already
    starting for the next one, results are the same as a cold runner's, and close()
    leaves no server and no files behind."""
    solution = FIXTURES / "solutions" / "90_probe" / "kata.py"
    wrong = FIXTURES / "solutions" / "90_probe" / "mistakes" / "wrong.py"
    root = FIXTURES.parent.parent
    runner = Runner(root, jobs=1, warm=True)
    try:
        first = runner.grade([(probe, solution)])[0]
        spare = runner._spare
        assert spare is not None and spare.process.poll() is None
        second = runner.grade([(probe, wrong)])[0]
        assert runner._spare is not None and runner._spare is not spare
        assert spare.process.poll() is not None  # the first spare did that grade and ended
        last, warm_dir = runner._spare, runner._warm_dir
    finally:
        runner.close()
    cold = Runner(root, jobs=1).grade([(probe, solution), (probe, wrong)])
    assert [(t.name, t.status) for t in first.tests] == [(t.name, t.status) for t in cold[0].tests]
    assert [(t.name, t.status) for t in second.tests] == [(t.name, t.status) for t in cold[1].tests]
    assert first.status == "pass" and second.status != "pass"
    assert last.process.poll() is not None
    assert not warm_dir.exists()
