"""The classic asyncio mistakes are named in plain words when they happen.

Each submission in tests/translations/ makes one classic mistake in the probe kata
(`await double(x)` waits 1 s and returns 2x); all are graded in one run and every
failing test of each must carry the explanation a learner needs, not a bare traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.runner import Runner

SUBMISSIONS = Path(__file__).resolve().parent / "translations"

# submission -> words every failing test's message must contain
EXPECTED = {
    "forgot_await": ["sleep was called but never awaited", "write `await sleep(...)`"],
    "run_in_loop": [
        "asyncio.run() cannot be called from a running event loop",
        "at run_in_loop.py:10",
        "Inside async code, simply `await` the coroutine",
    ],
    "blocking_read": ["time.sleep at blocking_read.py:7", "blocks the whole event loop"],
    "swallowed_cancel": ["is CancelledError being caught and ignored"],
    "never_retrieved": [
        "asyncio also logged",
        "ValueError: cannot double",
        "Task exception was never retrieved",
        "`await task`",
    ],
    "deadlock": ["deadlock", "waits at deadlock.py:7 `async with lock:`", "Lock.acquire()"],
    "cpu_forever": ["time limit", "without ever awaiting at cpu_forever.py:3"],
}


@pytest.fixture(scope="module")
def graded(probe, root):
    names = sorted(EXPECTED)
    results = Runner(root).grade([(probe, SUBMISSIONS / f"{name}.py") for name in names])
    return dict(zip(names, results, strict=True))


def test_every_submission_is_covered():
    assert sorted(p.stem for p in SUBMISSIONS.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_mistake_is_named(graded, name):
    result = graded[name]
    failing = [t for t in result.tests if t.status != "pass"]
    assert result.score < result.max_score, f"{name} lost no points"
    assert failing, f"{name}: no failing test"
    for test in failing:
        for words in EXPECTED[name]:
            assert words in test.message, f"{name}/{test.name}: {words!r} not in\n{test.message}"
        assert "Traceback" not in test.message


def test_a_logged_error_never_changes_a_verdict(graded):
    """The never-retrieved note is added to failures only: the passing tests stay."""
    result = graded["never_retrieved"]
    statuses = {t.name: t.status for t in result.tests}
    assert statuses["test_can_be_cancelled"] == "pass"
    assert statuses["test_value"] == "fail"
