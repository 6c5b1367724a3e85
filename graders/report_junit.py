"""JUnit XML, which every CI system and most LMS plugins read.

One ``<testsuite>`` per kata, one ``<testcase>`` per hidden test; a lost test is a
``<failure>``, a test that could not run an ``<error>``. JUnit has no points, so each
suite carries them as ``<properties>`` (``score``, ``max_score`` and one
``points:TEST`` = ``score/max``), which the schema allows and tools ignore.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .scoring import Grade


def tree(grade: Grade) -> ET.Element:
    root = ET.Element("testsuites", name="asyncio-katas")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for kata in grade.katas:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite = ET.SubElement(root, "testsuite", name=kata.id)
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="title", value=kata.kata.title)
        ET.SubElement(props, "property", name="score", value=str(kata.score))
        ET.SubElement(props, "property", name="max_score", value=str(kata.max_score))
        ET.SubElement(props, "property", name="status", value=kata.status)
        cases = kata.tests
        for test in cases:
            ET.SubElement(
                props,
                "property",
                name=f"points:{test.name}",
                value=f"{test.score}/{test.max_score}",
            )
        for test in cases:
            case = ET.SubElement(
                suite, "testcase", name=test.name, classname=f"katas.{kata.id}", time="0"
            )
            counts["tests"] += 1
            if test.status == "fail":
                counts["failures"] += 1
                _detail(case, "failure", test.message, "AssertionError")
            elif test.status == "error":
                counts["errors"] += 1
                _detail(case, "error", test.message, "Error")
            elif test.status == "skip":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(test.message))
        if not cases:
            # The kata as a whole: a missing file, a crash before any test, a skip.
            case = ET.SubElement(suite, "testcase", name=kata.id, classname="katas", time="0")
            counts["tests"] += 1
            if kata.status == "skip":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(kata.skipped))
            else:
                counts["errors"] += 1
                _detail(case, "error", kata.error or "the kata could not be graded", "Error")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", "0")
    return root


#: Characters XML 1.0 cannot hold at all (learner output may contain them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _detail(case: ET.Element, tag: str, message: str, kind: str) -> None:
    message = _clean(message)
    first = message.splitlines()[0] if message else ""
    element = ET.SubElement(case, tag, message=first, type=kind)
    element.text = message


def render(grade: Grade) -> str:
    root = tree(grade)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def write(grade: Grade, path: str | Path) -> None:
    text = render(grade)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")
