"""Broken and hostile submissions, graded in one run beside a correct one.

Each must lose its points with a message that says what happened; the correct kata
keeps full marks; the report is complete; the run ends within a bound; nothing any of
them started is still running afterwards. Those that rewrite their kata's hidden tests
are graded from a copy of the probe kata (COPIED), never from the repository's.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from graders.catalog import load_kata
from graders.runner import Runner

HOSTILE = Path(__file__).resolve().parent / "hostile"

# submission -> (kata status, words the learner must read)
EXPECTED = {
    "syntax_error": ("error", "syntax error on line 1"),
    "missing_name": ("error", "has no `double`"),
    "plain_def": ("error", "must be a coroutine function"),
    "import_raises": ("error", "while being imported"),
    "import_os_exit": ("error", "os._exit()"),
    "import_hang": ("error", "did not finish importing"),
    "call_os_exit": ("error", "os._exit()"),
    "sys_exit": ("fail", "sys.exit()"),
    "keyboard_interrupt": ("error", "KeyboardInterrupt"),
    "system_exit_in_task": ("fail", "sys.exit()"),
    "cpu_loop": ("fail", "without ever awaiting at cpu_loop.py:"),
    "swallow_cancel": ("fail", "CancelledError"),
    "swallow_base_exception": ("fail", "CancelledError"),
    "deadlock": ("fail", "deadlock"),
    "busy_sleep0": ("fail", "busy loop"),
    "segfault": ("error", "segmentation fault"),
    "stdout_flood": ("error", "too much output"),
    "fake_results": ("fail", "returned 63"),
    "blocking_sleep": ("fail", "time.sleep"),
    "never_awaited": ("fail", "never awaited"),
    "memory_bomb": ("fail", "MemoryError"),
    "runaway_recursion": ("fail", "RecursionError"),
    "kill_parent": ("error", "killed the grading process"),
    "patch_sleep": (
        "error",
        "interfered with the grader while it was being graded (asyncio.sleep)",
    ),
    "wrong_signature": ("error", "cannot be called the way the kata calls it"),
    # rewiring the grader in its own process (graders.guard, graders.clock)
    "patch_loop_time": ("error", "the event loop's time()"),
    "patch_fakes": ("error", "graders.fakes.Recorder._begin"),
    "patch_expect_import": ("error", "graders.expect.equal"),
    "patch_expect_call": ("error", "graders.expect.equal (its code)"),
    "patch_plugin": ("error", "graders.plugin._state.outcomes"),
    "patch_pytest": ("error", "_pytest.reports.BaseReport.failed"),
    # forging results (graders.channel), editing the hidden tests (graders.hidden_tests)
    "call_plugin_writer": ("error", "wrote a result through the grader's own writer"),
    "forge_results": ("error", "not written by the grader"),
    "edit_hidden_tests": ("error", "changed on disk while it was being graded"),
    # leaving work behind (graders.leftovers), limits (graders.job)
    "leave_thread": ("fail", "thread 'left-behind'"),
    "leave_process": ("fail", "left work running after the test ended"),
    "detached_fork": ("fail", "left work running after the test ended"),
    "pending_task": ("fail", "left a task running after the test ended"),
    "fork_bomb": ("fail", "more processes they started"),
    "cpu_time": ("error", "used more than 120 s of CPU time"),
}
POSIX_ONLY = {"segfault", "stdout_flood", "kill_parent", "memory_bomb", "cpu_time"}
#: Found through /proc: child processes left behind, the results file among open files.
LINUX_ONLY = {"leave_process", "detached_fork", "fork_bomb", "forge_results"}
#: Graded from a copy of the probe kata: they write into their kata's folder.
COPIED = {"edit_hidden_tests"}


@pytest.fixture(scope="module")
def hostile_log(tmp_path_factory):
    """Where the submissions that start processes note their pids (HOSTILE_LOG)."""
    return tmp_path_factory.mktemp("hostile-log")


@pytest.fixture(scope="module")
def graded(probe, root, tmp_path_factory, hostile_log):
    solution = root / "tests" / "fixture_katas" / "solutions" / "90_probe" / "kata.py"
    names = sorted(EXPECTED)
    work = [(probe, solution)]
    for name in names:
        if name in COPIED:
            copy = tmp_path_factory.mktemp(name) / probe.id
            shutil.copytree(probe.path, copy)
            shutil.copy(HOSTILE / f"{name}.py", copy / "kata.py")
            work.append((load_kata(copy), copy / "kata.py"))
        else:
            work.append((probe, HOSTILE / f"{name}.py"))
    start = time.monotonic()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOSTILE_LOG", str(hostile_log))
        results = Runner(root).grade(work)
    elapsed = time.monotonic() - start
    graded = {"correct": results[0], **dict(zip(names, results[1:], strict=True))}
    return graded, elapsed, {name: item for name, item in zip(names, work[1:], strict=True)}


def test_every_submission_is_covered():
    assert sorted(p.stem for p in HOSTILE.glob("*.py")) == sorted(EXPECTED)


def test_correct_kata_keeps_full_marks(graded):
    results, *_ = graded
    correct = results["correct"]
    assert (correct.status, correct.score, correct.max_score) == ("pass", 4, 4)


def test_run_ends_within_bound(graded):
    _, elapsed, _ = graded
    assert elapsed < 180, f"grading {len(EXPECTED)} hostile submissions took {elapsed:.1f}s"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_submission_loses_points_with_a_clear_message(graded, name):
    if name in POSIX_ONLY and sys.platform == "win32":
        pytest.skip("POSIX resource limits and signals")
    if name in LINUX_ONLY and not sys.platform.startswith("linux"):
        pytest.skip("needs /proc")
    results, *_ = graded
    result = results[name]
    status, words = EXPECTED[name]
    messages = "\n".join([result.error] + [t.message for t in result.tests])
    assert result.score < result.max_score, messages
    assert result.max_score == 4, "the report must still list every test and its points"
    assert len(result.tests) == 4 or result.error, messages
    assert result.status == status, f"{result.status}: {messages}"
    assert words in messages, messages


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_nothing_they_started_is_still_running(graded, hostile_log):
    """Every process of the run (jobs, what they forked or spawned, those that left the
    job's session) carries HOSTILE_LOG in its environment: none may outlive the grade."""
    noted = {
        int(line.split()[0])
        for f in hostile_log.glob("*.pids")
        for line in f.read_text().splitlines()
    }
    assert noted, "the submissions that start processes must have run"
    marker = f"HOSTILE_LOG={hostile_log}".encode()
    alive = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in environ and state != b"Z":
            alive.append(int(entry))
    assert alive == [], f"still running after the grade: {alive} (noted: {sorted(noted)})"


def test_hidden_tests_edited_during_the_grade_were_not_used(graded, probe):
    results, _, work = graded
    kata, _impl = work["edit_hidden_tests"]
    edited = (kata.tests_dir / "test_probe.py").read_text()
    assert edited != (probe.tests_dir / "test_probe.py").read_text(), "the attack must have run"
    result = results["edit_hidden_tests"]
    assert [t.name for t in result.tests] == [t.name for t in results["correct"].tests]
    assert result.score == 0
