"""Exercism's test-runner ``results.json``, version 3.

Version 3 links each test to a task (``task_id``, a positive integer): here the kata's
number, so a course page can group verdicts by kata. ``test_code`` is the hidden test's
body, which Exercism shows next to the verdict. Exercism has no points: a test passes
or it does not.
"""

from __future__ import annotations

import json
from pathlib import Path

from .scoring import Grade
from .test_source import locate

#: The spec's limit on the top-level message.
MESSAGE_LIMIT = 65535


def results(grade: Grade) -> dict:
    tests = []
    errors = []
    for kata in grade.katas:
        if kata.status == "skip":
            continue
        if kata.error:
            errors.append(f"{kata.id}: {kata.error}")
        for test in kata.tests:
            if test.status == "skip":
                continue
            entry = {
                "name": f"{kata.id}: {test.name}",
                "status": test.status,
                "test_code": locate(kata.kata, test.name).code,
                "task_id": kata.kata.number,
            }
            if test.message:
                entry["message"] = test.message
            tests.append(entry)
    if not tests and errors:
        return {
            "version": 3,
            "status": "error",
            "message": "\n".join(errors)[:MESSAGE_LIMIT],
            "tests": [],
        }
    passed = all(t["status"] == "pass" for t in tests) and not errors
    out = {"version": 3, "status": "pass" if passed else "fail", "message": None, "tests": tests}
    if errors:
        # Katas that could not run at all have no tests to list: say so at the top.
        out["message"] = "\n".join(errors)[:MESSAGE_LIMIT]
    return out


def render(grade: Grade) -> str:
    return json.dumps(results(grade), indent=2, ensure_ascii=False)


def write(grade: Grade, path: str | Path) -> None:
    text = render(grade)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")
