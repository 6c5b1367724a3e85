"""Gradescope's autograder ``results.json``: one entry per hidden test, with its points.

Gradescope shows each test's ``name``, ``score``/``max_score``, ``status`` and
``output`` to the student; the top-level ``score`` is the grade.
"""

from __future__ import annotations

import json
from pathlib import Path

from .scoring import Grade


def results(grade: Grade) -> dict:
    tests = []
    for kata in grade.katas:
        if kata.status == "skip":
            continue
        if not kata.tests:
            tests.append(
                {
                    "name": f"{kata.id}",
                    "number": f"{kata.kata.number}",
                    "score": 0,
                    "max_score": kata.max_score,
                    "status": "failed",
                    "output": kata.error or "the kata could not be graded",
                    "tags": [kata.id],
                    "visibility": "visible",
                }
            )
            continue
        for index, test in enumerate(kata.tests, 1):
            if test.status == "skip":
                continue
            tests.append(
                {
                    "name": f"{kata.id}: {test.name}",
                    "number": f"{kata.kata.number}.{index}",
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.status == "pass" else "failed",
                    "output": test.message,
                    "tags": [kata.id],
                    "visibility": "visible",
                }
            )
    passing = sum(1 for k in grade.katas if k.status == "pass")
    graded = sum(1 for k in grade.katas if k.status != "skip")
    return {
        "score": grade.score,
        "max_score": grade.max_score,
        "output": f"{grade.score}/{grade.max_score} points; {passing} of {graded} katas passing",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render(grade: Grade) -> str:
    return json.dumps(results(grade), indent=2, ensure_ascii=False)


def write(grade: Grade, path: str | Path) -> None:
    _emit(render(grade), path)


def _emit(text: str, path: str | Path) -> None:
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")
