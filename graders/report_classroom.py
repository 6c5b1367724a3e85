"""The result protocol of GitHub Classroom's ``autograding-grading-reporter@v1``.

Each workflow step that grades emits an output ``result``: base64 of
``{"version": 1, "status", "max_score", "tests": [...]}``. The reporter adds up every
runner's ``max_score`` (when non-zero) and every test's ``score`` and sends the total to
Classroom, so per-test integer scores carry partial credit. It crashes on a result
without a ``tests`` array, so one is always present, and a kata that has no test
records (missing file, crash before collection, integrity error) gets one entry that
says why.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from .catalog import Kata
from .scoring import Grade, KataResult
from .test_source import locate

#: The reporter reads every result from an environment variable: Linux refuses one
#: over 128 KiB and all of them together over about 2 MiB, so a kata's result is
#: shortened (messages cut, test code left out) past this many bytes. A typical one is
#: under 26 KiB, so 40 katas stay under 1.6 MiB even at worst.
MAX_ENCODED = 40 * 1024
MESSAGE_LIMIT = 2000


def runner_result(katas: list[KataResult], *, message_limit: int = MESSAGE_LIMIT) -> dict:
    """One runner's result for the katas graded in one workflow step (usually one)."""
    tests = []
    prefix = len(katas) > 1
    for kata in katas:
        if not kata.tests:
            tests.append(_kata_entry(kata.kata, kata.status, kata.error or kata.skipped))
            continue
        for test in kata.tests:
            source = locate(kata.kata, test.name)
            skipped = test.status == "skip"
            tests.append(
                {
                    "name": f"{kata.id}: {test.name}" if prefix else test.name,
                    "status": "pass" if skipped else test.status,
                    "score": test.score,
                    "max_score": test.max_score,
                    "message": _clip(test.message, message_limit),
                    "test_code": _clip(source.code, message_limit),
                    "filename": source.filename,
                    "line_no": source.line_no,
                    "duration": 0,
                }
            )
    statuses = {k.status for k in katas}
    if statuses <= {"pass", "skip"}:
        status = "pass"
    elif "fail" in statuses:
        status = "fail"
    else:
        status = "error"
    return {
        "version": 1,
        "status": status,
        "max_score": sum(k.max_score for k in katas),
        "tests": tests,
    }


def fallback(kata: Kata, message: str) -> dict:
    """What a step reports when the grader produced nothing (it hung, or broke)."""
    return {
        "version": 1,
        "status": "error",
        "max_score": kata.points,
        "tests": [_kata_entry(kata, "error", message)],
    }


def encode(result: dict) -> str:
    return base64.b64encode(
        json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).decode("ascii")


def render(grade: Grade) -> str:
    """The ``result`` output for ``grade`` (base64, one line), shortened if it is huge:
    messages cut, then test code dropped, then one entry per kata; the points never
    change."""
    text = encode(runner_result(grade.katas))
    for limit in (300, 60):
        if len(text) <= MAX_ENCODED:
            return text
        result = runner_result(grade.katas, message_limit=limit)
        for test in result["tests"]:
            test["test_code"] = ""
        text = encode(result)
    if len(text) > MAX_ENCODED:
        result = runner_result(grade.katas)
        result["tests"] = [_summary(kata) for kata in grade.katas]
        text = encode(result)
    return text


def _summary(kata: KataResult) -> dict:
    entry = _kata_entry(kata.kata, kata.status, "")
    passed = sum(1 for t in kata.tests if t.status == "pass")
    entry.update(
        status="pass" if kata.status in ("pass", "skip") else "fail",
        score=kata.score,
        max_score=kata.max_score,
        message=f"{passed} of {len(kata.tests)} tests passed (details cut to fit Classroom; "
        "grade locally to read them)",
    )
    return entry


def write(grade: Grade, path: str | Path) -> None:
    text = render(grade)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="ascii")


def _kata_entry(kata: Kata, status: str, message: str) -> dict:
    return {
        "name": f"{kata.number:02d} {kata.title}",
        "status": "pass" if status == "skip" else "error",
        "score": 0,
        "max_score": 0 if status == "skip" else kata.points,
        "message": message or "the kata could not be graded",
        "test_code": "",
        "filename": f"katas/{kata.id}/kata.py",
        "line_no": 0,
        "duration": 0,
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
