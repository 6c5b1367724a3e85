"""Broken and hostile submissions, graded in one run beside a correct one.

Each must lose its points with a message that says what happened; the correct kata
keeps full marks; the report is complete; the run ends within a bound.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

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
    "patch_sleep": ("fail", "expected double(1) to take 1s"),
}
POSIX_ONLY = {"segfault", "stdout_flood", "kill_parent", "memory_bomb"}


@pytest.fixture(scope="module")
def graded(probe, root):
    solution = root / "tests" / "fixture_katas" / "solutions" / "90_probe" / "kata.py"
    names = sorted(EXPECTED)
    work = [(probe, solution)] + [(probe, HOSTILE / f"{n}.py") for n in names]
    start = time.monotonic()
    results = Runner(root).grade(work)
    elapsed = time.monotonic() - start
    return {"correct": results[0], **dict(zip(names, results[1:], strict=False))}, elapsed


def test_every_submission_is_covered():
    assert sorted(p.stem for p in HOSTILE.glob("*.py")) == sorted(EXPECTED)


def test_correct_kata_keeps_full_marks(graded):
    results, _ = graded
    correct = results["correct"]
    assert (correct.status, correct.score, correct.max_score) == ("pass", 4, 4)


def test_run_ends_within_bound(graded):
    _, elapsed = graded
    assert elapsed < 180, f"grading {len(EXPECTED)} hostile submissions took {elapsed:.1f}s"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_submission_loses_points_with_a_clear_message(graded, name):
    if name in POSIX_ONLY and sys.platform == "win32":
        pytest.skip("POSIX resource limits and signals")
    results, _ = graded
    result = results[name]
    status, words = EXPECTED[name]
    messages = "\n".join([result.error] + [t.message for t in result.tests])
    assert result.score < result.max_score, messages
    assert result.max_score == 4, "the report must still list every test and its points"
    assert len(result.tests) == 4 or result.error, messages
    assert result.status == status, f"{result.status}: {messages}"
    assert words in messages, messages
