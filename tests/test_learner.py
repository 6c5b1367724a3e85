"""The learner's commands (list, check, hint, reset, solution, next) and the progress
file behind them, run as a learner runs them: ``python -m graders ...`` in a small
repository of their own (a temporary copy of a few katas and the probe kata)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from graders import progress
from graders.catalog import load_catalog
from graders.originals import is_stub
from graders.progress import Entry, Progress, fingerprint, parse_line

from .conftest import FIXTURES, ROOT

KATAS = ["01_hello_coroutine", "02_overlap_two", "03_gather_in_order", "26_queue_shutdown"]
PROBE = "90_probe"
ESC = "\x1b["
GIT = shutil.which("git")


def make_repo(path, *, git=False, solutions=True):
    """A learner's checkout: katas 01-03, 26 and the probe, with their solutions."""
    for kata in KATAS:
        shutil.copytree(ROOT / "katas" / kata, path / "katas" / kata)
        if solutions:
            shutil.copytree(ROOT / "solutions" / kata, path / "solutions" / kata)
    shutil.copytree(FIXTURES / "katas" / PROBE, path / "katas" / PROBE)
    if solutions:
        shutil.copytree(FIXTURES / "solutions" / PROBE, path / "solutions" / PROBE)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=path, check=True)
        commit(path, "the katas")
    return path


def commit(path, message):
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(
        ["git", "-c", "user.name=L", "-c", "user.email=l@example.com", "commit", "-qm", message],
        cwd=path,
        check=True,
    )


def graders(repo, *args, env=None, stdin=subprocess.DEVNULL):
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    clean["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=stdin,
        env={**clean, **(env or {})},
    )
    done.out, done.err = flat(done.stdout), flat(done.stderr)  # prose is wrapped to 88
    return done


def flat(text: str) -> str:
    return " ".join(text.split())


def put(repo, kata, source):
    shutil.copy(source, repo / "katas" / kata / "kata.py")


def listing(repo) -> dict:
    done = graders(repo, "list", "--json")
    assert done.returncode == 0, done.err
    return json.loads(done.stdout)


def states(repo) -> dict:
    return {k["id"]: k for k in listing(repo)["katas"]}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "learner")


# the progress file --------------------------------------------------------------------


def test_progress_file_is_readable_and_round_trips(tmp_path):
    book = Progress(tmp_path)
    book.entries["03_gather_in_order"] = Entry(
        "03_gather_in_order", "passing", 10, 10, 2, "2026-11-25T02:00Z", "3f2a9c0b1d2e4f56"
    )
    book.set_hints("05_chunked_cpu", 1)
    assert book.save()
    text = (tmp_path / progress.FILENAME).read_text()
    assert text.startswith("# .kata-progress")
    assert "delete" in text and "Commit it" in text  # the header says what it is
    lines = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    graded = "03_gather_in_order passing 10/10 hints=2 2026-11-25T02:00Z sha256=3f2a9c0b1d2e4f56"
    assert lines == [graded.split(), ["05_chunked_cpu", "unchecked", "-/-", "hints=1"]]
    assert Progress.load(tmp_path).entries == book.entries
    assert not list(tmp_path.glob("*.tmp"))  # written through a temporary file, renamed
    if os.name == "posix":  # readable like any file in the repository, not 0600
        assert (tmp_path / progress.FILENAME).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    "line",
    [
        "garbage",
        "03_gather_in_order",
        "03_gather_in_order passing",
        "03_gather_in_order winning 10/10",
        "03_gather_in_order passing 11/10",  # more than the maximum
        "03_gather_in_order passing ten/10",
        "03_gather_in_order unchecked 3/10",  # never graded yet has points
        "03_gather_in_order passing 10/10 hints=lots",
        "03_gather_in_order passing 10/10 sha256=xyz",
        "03_gather_in_order passing 10/10 yesterday",
        "gather_in_order passing 10/10",
        "<<<<<<< HEAD",
        "# 03_gather_in_order passing 10/10",
    ],
)
def test_a_line_that_does_not_parse_is_ignored(line):
    assert parse_line(line) is None


def test_hand_edits_and_newer_keys_are_tolerated(tmp_path):
    (tmp_path / progress.FILENAME).write_bytes(
        b"# my notes\n\n"
        b"01_hello_coroutine passing 8/8\n"  # hand-written, short
        b"\xff\xfe not text at all\n"
        b"02_overlap_two   failing  7/9   hints=5  colour=blue\n"  # a newer version's key
        b"02_overlap_two failing 3/9 hints=1\n"  # a later line wins
        b"=======\n"
    )
    entries = Progress.load(tmp_path).entries
    assert set(entries) == {"01_hello_coroutine", "02_overlap_two"}
    assert entries["01_hello_coroutine"] == Entry("01_hello_coroutine", "passing", 8, 8)
    assert (entries["02_overlap_two"].score, entries["02_overlap_two"].hints) == (3, 1)


def test_a_missing_or_unreadable_file_is_no_progress(tmp_path):
    assert Progress.load(tmp_path).entries == {}
    (tmp_path / progress.FILENAME).mkdir()  # not even a file
    assert Progress.load(tmp_path).entries == {}


def test_garbage_in_the_file_does_not_stop_the_commands(repo):
    (repo / progress.FILENAME).write_text("nonsense\x00\n01_hello_coroutine passing\n")
    done = graders(repo, "list")
    assert done.returncode == 0, done.err
    assert "01 Hello, coroutine" in done.out and "not started" in done.out
    assert graders(repo, "hint", "1").returncode == 0
    entries = Progress.load(repo).entries
    assert entries == {"01_hello_coroutine": Entry("01_hello_coroutine", hints=1)}


# list, grade and the statuses ---------------------------------------------------------


def test_list_shows_every_kata_in_order_before_anything_is_graded(repo):
    data = listing(repo)
    assert set(data) == {
        "python",
        "score",
        "max_score",
        "passing",
        "katas_total",
        "hints_shown",
        "current",
        "modules",
        "katas",
    }
    assert [k["id"] for k in data["katas"]] == [*KATAS[:3], KATAS[3], PROBE]
    assert data["current"] == "01_hello_coroutine"
    assert (data["score"], data["passing"]) == (0, 0)
    assert [m["module"] for m in data["modules"]] == [1, 5, 9]
    first = data["katas"][0]
    assert set(first) == {
        "id",
        "number",
        "title",
        "module",
        "state",
        "changed",
        "score",
        "max_score",
        "min_python",
        "hints_shown",
        "hints_total",
        "checked",
        "path",
    }
    assert (first["state"], first["score"], first["max_score"]) == ("not_started", None, 8)
    queue = data["katas"][3]
    if sys.version_info < (3, 13):
        assert queue["state"] == "unsupported"
        assert data["katas_total"] == 4  # 26 counts neither for nor against
        text = graders(repo, "list").out
        assert "needs Python 3.13" in text
    else:
        assert queue["state"] == "not_started"
    assert not (repo / progress.FILENAME).exists()  # list grades and writes nothing


def test_grading_records_solved_half_solved_and_untouched_katas(repo):
    put(repo, KATAS[0], repo / "solutions" / KATAS[0] / "kata.py")
    put(repo, KATAS[1], repo / "solutions" / KATAS[1] / "mistakes" / "completion_order.py")
    graded = graders(repo, "grade", "1", "2", "3", "-q")
    assert graded.returncode == 1
    found = states(repo)
    assert (found[KATAS[0]]["state"], found[KATAS[0]]["score"]) == ("passing", 8)
    assert found[KATAS[1]]["state"] == "failing"
    assert 0 < found[KATAS[1]]["score"] < 9
    assert (found[KATAS[2]]["state"], found[KATAS[2]]["score"]) == ("not_started", 0)
    assert not any(k["changed"] for k in found.values())
    assert listing(repo)["current"] == KATAS[1]

    entries = Progress.load(repo).entries
    assert entries[KATAS[0]].status == "passing"
    assert entries[KATAS[0]].fingerprint == fingerprint(repo / "katas" / KATAS[0] / "kata.py")
    assert entries[KATAS[2]].status == "not-started"

    # an edit since the last check shows, and the kata is no longer "done"
    with open(repo / "katas" / KATAS[0] / "kata.py", "a") as f:
        f.write("\n# tidied up\n")
    found = states(repo)
    assert found[KATAS[0]]["changed"] and found[KATAS[0]]["state"] == "passing"
    assert listing(repo)["current"] == KATAS[0]
    assert "changed since last check" in graders(repo, "list").out

    # grading someone else's files (--from) leaves the learner's progress alone
    before = (repo / progress.FILENAME).read_bytes()
    assert graders(repo, "grade", "3", "--from", str(repo / "solutions"), "-q").returncode == 0
    assert (repo / progress.FILENAME).read_bytes() == before


def test_next_follows_the_cache_and_its_fingerprints(repo):
    solved = fingerprint(repo / "katas" / KATAS[0] / "kata.py")
    (repo / progress.FILENAME).write_text(
        f"{KATAS[0]} passing 8/8 hints=0 2026-11-25T02:00Z sha256={solved}\n"
        f"{KATAS[1]} failing 3/9 hints=2 2026-11-25T02:00Z sha256=0000000000000000\n"
    )
    done = graders(repo, "next")
    assert done.returncode == 0
    assert "02 · Overlap two waits" in done.out
    assert "katas/02_overlap_two/README.md" in done.out
    assert "katas/02_overlap_two/kata.py" in done.out
    assert "python -m graders check" in done.out
    assert "2 of 3 hints seen" in done.out
    assert "changed it since your last check (3/9 points" in done.out
    idea = (repo / "katas/02_overlap_two/README.md").read_text().split("## The idea\n")[1]
    assert " ".join(idea.split()[:6]) in done.out  # the README's idea, first paragraph

    (repo / progress.FILENAME).write_text(f"{KATAS[0]} passing 8/8 sha256=1111111111111111\n")
    assert "01 · Hello, coroutine" in graders(repo, "next").out  # changed: not done


def test_check_without_a_cache_grades_in_order_until_a_kata_does_not_pass(repo):
    put(repo, KATAS[0], repo / "solutions" / KATAS[0] / "kata.py")
    done = graders(repo, "check")
    assert done.returncode == 1
    assert "01 · Hello, coroutine: passes (8/8)" in done.out
    assert "02 · Overlap two waits" in done.out and "not started" in done.out
    assert "read katas/02_overlap_two/README.md" in done.out
    entries = Progress.load(repo).entries
    assert entries[KATAS[0]].status == "passing"
    assert entries[KATAS[1]].status == "not-started"
    assert KATAS[2] not in entries  # an untouched stub stops the search: 03 never graded
    assert ESC not in done.out  # not a terminal: no colour


def test_check_teaches_the_next_step_and_solution_waits_for_a_pass(repo):
    put(repo, PROBE, repo / "solutions" / PROBE / "mistakes" / "wrong.py")
    assert "hint 1 of 3" in graders(repo, "hint", "90").out
    failing = graders(repo, "check", "90")
    assert failing.returncode == 1
    out = failing.out
    assert "test_value" in out and "0/1" in out and "test_takes_one_second" in out
    assert "double(21)" in out  # the test's own teaching message
    assert "make test_value pass first" in out
    assert "`python -m graders hint 90` shows hint 2 of 3" in out
    assert "katas/90_probe/README.md" in out
    assert ESC not in out

    refused = graders(repo, "solution", "90")
    assert refused.returncode == 1
    assert "pass the kata first" in refused.out and "hint 90" in refused.out
    assert "async def double" not in refused.out

    put(repo, PROBE, repo / "solutions" / PROBE / "kata.py")
    (repo / "solutions" / PROBE / "WHY.md").write_text("It sleeps for one second.\n")
    passing = graders(repo, "check", "90")
    assert passing.returncode == 0
    assert "well done" in passing.out
    assert "`python -m graders solution 90`" in passing.out
    assert "next kata: 01 · Hello, coroutine" in passing.out

    shown = graders(repo, "solution", "90")
    assert shown.returncode == 0
    assert (repo / "solutions" / PROBE / "kata.py").read_text().strip() in shown.stdout
    assert "Why it works" in shown.out and "It sleeps for one second." in shown.out


def test_solution_in_a_copy_without_solutions(tmp_path):
    repo = make_repo(tmp_path / "student", solutions=False)
    done = graders(repo, "solution", "90")
    assert done.returncode == 1
    assert "solutions are not included in this copy" in done.out


def test_unknown_kata_is_one_line_and_exit_2(repo):
    for command in ("check", "hint", "solution", "reset"):
        done = graders(repo, command, "99")
        assert done.returncode == 2, command
        assert "no kata '99'" in done.err and "Traceback" not in done.err


# hints --------------------------------------------------------------------------------


def test_hints_come_one_per_call_and_are_counted(repo):
    hints = load_catalog(repo)[1].hints
    first = graders(repo, "hint", "2")
    assert "hint 1 of 3" in first.out and hints[0].split()[0] in first.out
    assert hints[1].split()[-1] not in first.out
    assert "2 more hints" in first.out
    assert Progress.load(repo).hints(KATAS[1]) == 1
    second = graders(repo, "hint", "02")
    assert "hint 2 of 3" in second.out and "1 more hint:" in second.out
    third = graders(repo, "hint", "overlap_two")
    assert "hint 3 of 3" in third.out and "that is every hint." in third.out
    fourth = graders(repo, "hint", "2")
    assert "that is every hint again" in fourth.out
    assert all(f"hint {n} of 3" in fourth.out for n in (1, 2, 3))
    assert Progress.load(repo).hints(KATAS[1]) == 3
    assert states(repo)[KATAS[1]]["hints_shown"] == 3
    assert listing(repo)["hints_shown"] == 3
    # no kata named: the current one (01, nothing passes yet)
    assert "01 · Hello, coroutine: hint 1 of 3" in graders(repo, "hint").out


# reset --------------------------------------------------------------------------------


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_reset_asks_first_and_refuses_without_a_terminal(tmp_path):
    repo = make_repo(tmp_path / "learner", git=True)
    mine = repo / "katas" / KATAS[0] / "kata.py"
    mine.write_text("async def add(a, b):\n    return a + b  # mine\n")
    done = graders(repo, "reset", "1")
    assert done.returncode == 2
    assert "--yes" in done.err and "nothing changed" in done.err
    assert "return a + b  # mine" in mine.read_text()
    assert not (repo / ".kata-backups").exists()


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_reset_restores_the_stub_even_after_the_learner_committed_work(tmp_path):
    repo = make_repo(tmp_path / "learner", git=True)
    stub = (repo / "katas" / KATAS[1] / "kata.py").read_bytes()
    put(repo, KATAS[1], repo / "solutions" / KATAS[1] / "mistakes" / "completion_order.py")
    commit(repo, "my first try")  # what a Classroom student does: HEAD is no stub now
    mine = repo / "katas" / KATAS[1] / "kata.py"
    with open(mine, "a") as f:
        f.write("\n# and an edit not committed\n")
    learner_file = mine.read_bytes()
    Progress(repo, {KATAS[1]: Entry(KATAS[1], "failing", 7, 9, 2)}).save()

    done = graders(repo, "reset", "2", "--yes")
    assert done.returncode == 0, done.err
    assert mine.read_bytes() == stub
    backups = list((repo / ".kata-backups" / KATAS[1]).iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == learner_file
    assert backups[0].name in done.out
    assert Progress.load(repo).entries == {KATAS[1]: Entry(KATAS[1], hints=2)}  # hints kept

    again = graders(repo, "reset", "2", "--yes")
    assert again.returncode == 0 and "nothing to reset" in again.out
    assert len(list((repo / ".kata-backups" / KATAS[1]).iterdir())) == 1


def test_reset_uses_the_templates_stub_copies_without_git(tmp_path):
    repo = make_repo(tmp_path / "download")  # no git: like a zip of a course repository
    stub = (repo / "katas" / PROBE / "kata.py").read_bytes()
    put(repo, PROBE, repo / "solutions" / PROBE / "kata.py")
    refused = graders(repo, "reset", "90", "--yes")
    assert refused.returncode == 1
    assert "original" in refused.err and "unknown" in refused.err
    (repo / "katas" / ".stubs").mkdir()
    (repo / "katas" / ".stubs" / f"{PROBE}.py").write_bytes(stub)
    done = graders(repo, "reset", "--all", "--yes")
    assert (repo / "katas" / PROBE / "kata.py").read_bytes() == stub
    assert done.returncode == 1  # the others have no copy here: said, and not done
    assert "cannot reset 01" in done.err


def test_reset_needs_a_kata_or_all(repo):
    for args in ([], ["1", "--all"]):
        done = graders(repo, "reset", *args)
        assert done.returncode == 2 and "reset:" in done.err


def test_every_stub_is_recognised_and_no_solution_is():
    stubs = sorted(ROOT.glob("katas/*/kata.py"))
    answers = sorted(ROOT.glob("solutions/*/kata.py")) + sorted(
        ROOT.glob("solutions/*/mistakes/*.py")
    )
    assert stubs and answers
    assert [p for p in stubs if not is_stub(p.read_bytes())] == []
    assert [p for p in answers if is_stub(p.read_bytes())] == []


# terminal conventions -----------------------------------------------------------------


def test_colour_only_when_forced_or_on_a_terminal_without_no_color(repo):
    assert ESC not in graders(repo, "list").out
    assert ESC in graders(repo, "list", env={"FORCE_COLOR": "1"}).out
    assert ESC not in graders(repo, "next").out
    assert "·" not in graders(repo, "list", env={"GRADERS_ASCII": "1"}).out


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_no_color_on_a_terminal(repo):
    def on_terminal(env):
        leader, follower = os.openpty()
        clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
        with subprocess.Popen(
            [sys.executable, "-m", "graders", "list"],
            cwd=repo,
            stdout=follower,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**clean, "TERM": "xterm", **env},
        ) as proc:
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the terminal closed: the command is done
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            proc.wait(timeout=60)
        os.close(leader)
        return b"".join(chunks).decode("utf-8", "replace")

    assert ESC in on_terminal({})  # the check below can fail
    assert ESC not in on_terminal({"NO_COLOR": "1"})


# what a teacher sees ------------------------------------------------------------------


def test_the_gradebook_shows_each_students_hint_use(tmp_path):
    from graders import gradebook

    katas = load_catalog(make_repo(tmp_path / "course"))
    alice, bob, carol = (tmp_path / "class" / name for name in ("alice", "bob", "carol"))
    for student in (alice, bob, carol):
        student.mkdir(parents=True)
    (alice / progress.FILENAME).write_text(
        "02_overlap_two failing 3/9 hints=2\n"
        "90_probe passing 4/4 hints=99\n"  # hand-edited beyond the kata's 3 hints
        "not a line\n"
    )
    (bob / progress.FILENAME).write_text("# nothing yet\n")
    assert gradebook.hints_used(alice, katas) == "5 (02:2 90:3)"
    assert gradebook.hints_used(bob, katas) == "0"
    assert gradebook.hints_used(carol, katas) == "unknown"  # no progress file committed

    rows = [gradebook.Row("alice", hints="5 (02:2 90:3)"), gradebook.Row("carol")]
    out = tmp_path / "grades.csv"
    gradebook.write_csv(rows, [], out)
    lines = out.read_text().splitlines()
    assert lines[0].split(",")[-1] == "hints"
    assert lines[1].endswith(",5 (02:2 90:3)") and lines[2].endswith(",unknown")
