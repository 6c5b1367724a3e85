"""The command-line contract outside tools depend on:

python -m graders grade [KATA ...] [--from DIR] [--json FILE]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from graders.catalog import UsageError, select

from .conftest import ROOT


def graders(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "selector", ["3", "03", "gather_in_order", "03_gather_in_order", "katas/03_gather_in_order/"]
)
def test_a_kata_can_be_named_four_ways(catalog, selector):
    assert [k.id for k in select(catalog, [selector])] == ["03_gather_in_order"]


def test_no_selector_means_all(catalog):
    assert select(catalog, []) == catalog


def test_unknown_kata_is_misuse(catalog):
    with pytest.raises(UsageError, match=r"no kata 'gather'.*03_gather_in_order"):
        select(catalog, ["gather"])
    result = graders("grade", "999")
    assert result.returncode == 2
    assert "no kata '999'" in result.stderr


def test_untouched_stubs_score_zero_and_exit_1(tmp_path):
    report = tmp_path / "grade.json"
    result = graders("grade", "1", "3", "--json", str(report))
    assert result.returncode == 1
    data = json.loads(report.read_text())
    assert (data["score"], data["max_score"]) == (0, 18)
    assert [k["id"] for k in data["katas"]] == ["01_hello_coroutine", "03_gather_in_order"]
    assert "not started" in result.stdout


def test_json_report_shape_and_exit_0_on_full_marks(tmp_path):
    report = tmp_path / "grade.json"
    result = graders("grade", "2", "3", "--from", "solutions", "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(report.read_text())
    assert set(data) == {"score", "max_score", "katas"}
    assert data["score"] == data["max_score"] == sum(k["max_score"] for k in data["katas"])
    for kata in data["katas"]:
        assert {"id", "title", "score", "max_score", "status", "tests"} <= set(kata)
        assert kata["status"] == "pass"
        assert kata["max_score"] == sum(t["max_score"] for t in kata["tests"])
        for test in kata["tests"]:
            assert set(test) == {"name", "status", "score", "max_score", "message"}
            assert isinstance(test["score"], int) and isinstance(test["max_score"], int)


def test_from_dir_missing_a_kata_reports_that_kata_as_error(tmp_path):
    (tmp_path / "03_gather_in_order").mkdir()
    shutil.copy(
        ROOT / "solutions/03_gather_in_order/kata.py", tmp_path / "03_gather_in_order/kata.py"
    )
    report = tmp_path / "grade.json"
    result = graders("grade", "2", "3", "--from", str(tmp_path), "--json", str(report))
    assert result.returncode == 1
    katas = {k["id"]: k for k in json.loads(report.read_text())["katas"]}
    assert katas["02_overlap_two"]["status"] == "error"
    assert katas["02_overlap_two"]["score"] == 0
    assert katas["02_overlap_two"]["max_score"] == 9
    assert "missing" in katas["02_overlap_two"]["message"]
    assert katas["03_gather_in_order"]["status"] == "pass"


def test_from_a_directory_that_does_not_exist_is_misuse():
    result = graders("grade", "3", "--from", "no/such/dir")
    assert result.returncode == 2


def test_a_failing_test_message_teaches_with_a_timeline(tmp_path):
    (tmp_path / "03_gather_in_order").mkdir()
    shutil.copy(
        ROOT / "solutions/03_gather_in_order/mistakes/serial_loop.py",
        tmp_path / "03_gather_in_order/kata.py",
    )
    result = graders("grade", "3", "--from", str(tmp_path), "--json", "-", "-q")
    assert result.returncode == 1
    kata = json.loads(result.stdout)["katas"][0]
    overlap = next(t for t in kata["tests"] if t["name"] == "test_fetches_overlap")
    assert overlap["status"] == "fail" and overlap["score"] == 0
    assert "fetch('a') █" in overlap["message"]
    assert "expected fetching three keys to take 1s" in overlap["message"]
    assert "yours took 2.4s" in overlap["message"]
    assert "hint:" in overlap["message"]


def test_works_from_outside_the_repository(tmp_path):
    result = graders("grade", "3", "--from", str(ROOT / "solutions"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_verdicts_are_identical_run_after_run(tmp_path):
    outputs = []
    for i in range(3):
        report = tmp_path / f"{i}.json"
        graders(
            "grade", "1", "2", "3", "4", "5", "--from", "solutions", "--json", str(report), "-q"
        )
        outputs.append(report.read_text())
    assert outputs[0] == outputs[1] == outputs[2]
