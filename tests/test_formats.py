"""`grade --format gradescope|exercism|junit|classroom`: each checked against its format's
published specification (required fields, allowed values, types) on one grade that has
every kind of kata in it: passed, partly failed, not gradable, skipped, and a test whose
message carries characters that XML cannot hold."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from graders import report_classroom, report_exercism, report_gradescope, report_junit
from graders.catalog import select
from graders.cli import grade
from graders.scoring import Grade, KataResult
from graders.scoring import TestResult as Result

from .conftest import ROOT


@pytest.fixture(scope="module")
def mixed(catalog, probe, tmp_path_factory) -> Grade:
    source = tmp_path_factory.mktemp("submission")
    for kata, impl in (
        ("01_hello_coroutine", ROOT / "solutions/01_hello_coroutine/kata.py"),
        ("03_gather_in_order", ROOT / "solutions/03_gather_in_order/mistakes/serial_loop.py"),
    ):
        (source / kata).mkdir()
        shutil.copy(impl, source / kata / "kata.py")
    graded = grade(select(catalog, ["1", "2", "3"]), source, root=ROOT)  # 02 is missing
    odd = KataResult(
        probe,
        tests=[
            Result("test_value", "pass", 1, 1),
            Result("test_takes_one_second", "fail", 0, 1, "printed \x1b[31mred\x00 \x07"),
            Result("test_can_be_cancelled", "error", 0, 1, "the process crashed"),
            Result("test_sync_wrapper", "skip", 0, 0, "needs Python 3.99"),
        ],
    )
    skipped = KataResult(select(catalog, ["4"])[0], skipped="needs Python 3.99+")
    return Grade([*graded.katas, odd, skipped])


def test_the_mixed_grade_has_every_case(mixed):
    statuses = [k.status for k in mixed.katas]
    assert statuses == ["pass", "error", "fail", "fail", "skip"]
    assert 0 < mixed.score < mixed.max_score


# -- Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/ ----------


def test_gradescope_results_json(mixed):
    data = json.loads(report_gradescope.render(mixed))
    assert isinstance(data["score"], int | float) and data["score"] == mixed.score
    assert isinstance(data["tests"], list) and data["tests"]
    visibilities = {"hidden", "after_due_date", "after_published", "visible"}
    assert data.get("visibility", "visible") in visibilities
    assert data.get("stdout_visibility", "hidden") in visibilities
    for test in data["tests"]:
        assert isinstance(test["score"], int | float)
        assert isinstance(test["max_score"], int | float) and test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["name"], str) and isinstance(test.get("output", ""), str)
        assert test.get("visibility", "visible") in visibilities
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
    assert sum(t["score"] for t in data["tests"]) == mixed.score
    assert sum(t["max_score"] for t in data["tests"]) == mixed.max_score
    missing = next(t for t in data["tests"] if t["name"] == "02_overlap_two")
    assert missing["max_score"] == 9 and "missing" in missing["output"]


# -- Exercism: exercism.org/docs/building/tooling/test-runners/interface ------------------


def test_exercism_results_json_version_3(mixed):
    data = json.loads(report_exercism.render(mixed))
    assert data["version"] == 3
    assert data["status"] == "fail"  # some tests ran, some did not pass
    assert isinstance(data["tests"], list)  # required when status is pass or fail
    assert "missing" in data["message"]  # 02 could not run at all: said at the top
    assert len(data["message"]) <= 65535
    for test in data["tests"]:
        assert isinstance(test["name"], str) and test["name"]
        assert test["status"] in ("pass", "fail", "error")
        assert isinstance(test["test_code"], str) and test["test_code"]
        assert isinstance(test["task_id"], int) and test["task_id"] >= 1
        if test["status"] != "pass":
            assert test.get("message")
    names = [t["name"] for t in data["tests"]]
    # In the order of the test files, and skipped tests left out (no such status).
    assert names[:2] == [
        "01_hello_coroutine: test_add_is_a_coroutine_returning_the_sum",
        "01_hello_coroutine: test_add_gives_other_tasks_a_turn",
    ]
    assert not any("test_sync_wrapper" in n for n in names)
    assert {t["task_id"] for t in data["tests"]} == {1, 3, 90}


def test_exercism_error_when_no_test_ran(catalog):
    nothing = Grade([KataResult(select(catalog, ["2"])[0], error="kata.py is missing")])
    data = json.loads(report_exercism.render(nothing))
    assert data["status"] == "error" and "missing" in data["message"]
    all_pass = Grade([KataResult(select(catalog, ["2"])[0], [Result("t", "pass", 1, 1)])])
    assert json.loads(report_exercism.render(all_pass))["status"] == "pass"


# -- JUnit XML: the elements and attributes the common schema (junit-10.xsd) requires ------

SUITE_ATTRS = {"name", "tests", "failures", "errors", "skipped", "time"}
CASE_CHILDREN = {"failure", "error", "skipped", "system-out", "system-err"}


def test_junit_xml(mixed):
    text = report_junit.render(mixed)
    root = ET.fromstring(text.encode("utf-8"))  # well-formed, despite control characters
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [k.id for k in mixed.katas]
    total = 0
    for suite, kata in zip(suites, mixed.katas, strict=True):
        assert SUITE_ATTRS <= set(suite.attrib)
        assert {child.tag for child in suite} <= {"properties", "testcase", "system-out"}
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) >= 1
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr)) == sum(len(c.findall(tag)) for c in cases)
        for case in cases:
            assert case.get("name") and case.get("classname")
            float(case.get("time"))
            assert {child.tag for child in case} <= CASE_CHILDREN
            for detail in case:
                if detail.tag in ("failure", "error"):
                    assert "message" in detail.attrib and "type" in detail.attrib
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert (int(props["score"]), int(props["max_score"])) == (kata.score, kata.max_score)
        total += len(cases)
    assert int(root.get("tests")) == total
    assert "\ufffd" in text and "\x00" not in text


# -- Classroom: autograding-grading-reporter@v1's result --------------------------------


def test_classroom_result(mixed):
    data = json.loads(base64.b64decode(report_classroom.render(mixed)))
    assert data["version"] == 1 and data["status"] == "fail"
    assert data["max_score"] == mixed.max_score
    assert sum(t["score"] for t in data["tests"]) == mixed.score
    fields = {"name", "status", "score", "max_score", "message", "test_code"}
    for test in data["tests"]:
        assert fields | {"filename", "line_no", "duration"} <= set(test)
        assert test["status"] in ("pass", "fail", "error")
        assert isinstance(test["score"], int) and isinstance(test["max_score"], int)
    missing = [t for t in data["tests"] if t["name"].startswith("02")]
    assert [(t["status"], t["score"], t["max_score"]) for t in missing] == [("error", 0, 9)]


def test_classroom_result_stays_small_enough_for_an_environment_variable(probe):
    for count in (80, 3000):  # long messages; then more tests than any kata has
        tests = [
            Result(f"t{i}", "pass" if i % 3 else "fail", int(i % 3 > 0), 1, "x" * 5000)
            for i in range(count)
        ]
        kata = KataResult(probe, tests=tests)
        text = report_classroom.render(Grade([kata]))
        assert len(text) <= report_classroom.MAX_ENCODED
        data = json.loads(base64.b64decode(text))
        assert data["max_score"] == count
        assert sum(t["score"] for t in data["tests"]) == kata.score > 0


# -- the command line -------------------------------------------------------------------


def test_format_writes_a_file_and_keeps_json_and_exit_status(tmp_path):
    out, report = tmp_path / "junit.xml", tmp_path / "grade.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "graders", "grade", "1", "3", "--from", "solutions"),
            *("--json", str(report), "--format", "junit", "--output", str(out)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "total 18/18 points" in done.stdout  # the terminal report is still there
    assert set(json.loads(report.read_text())) == {"score", "max_score", "katas"}
    assert ET.parse(out).getroot().get("failures") == "0"
    stubs = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "1", "--format", "gradescope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stubs.returncode == 1
    assert json.loads(stubs.stdout)["score"] == 0  # stdout holds only the results
    bad = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "1", "--format", "moodle"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert bad.returncode == 2
