"""The GitHub Classroom workflow, tested the way the Actions runner would use it.

We cannot run GitHub Actions here, so: parse the generated workflow, run each kata
step's script with bash exactly as a ``shell: bash`` step runs (``-eo pipefail``, with
``GITHUB_OUTPUT`` and ``RUNNER_TEMP``), decode each step's ``result`` output and add
them up as ``autograding-grading-reporter@v1`` does (``reporter_total`` below mirrors
its code), then compare with ``python -m graders grade --json`` on the same checkout.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graders import classroom_workflow, integrity
from graders.catalog import load_catalog

from .conftest import FIXTURES, ROOT

KATAS = ("01_hello_coroutine", "02_overlap_two", "03_gather_in_order")
#: The reporter rejects a ``runners`` input that does not match this (its own regex).
RUNNERS_INPUT = re.compile(r"^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$")


def reporter_total(runners_input: str, env: dict) -> tuple[int, int, list]:
    """autograding-grading-reporter@v1, main.js and notify-classroom.js, in Python:

    runners = input.split(",") -> env[runner.trim().toUpperCase() + "_RESULTS"]
    -> Buffer.from(value, "base64").toString("utf-8") -> JSON.parse; then, for each
    runner whose ``results.max_score`` is truthy, maxPoints += max_score and
    totalPoints += every ``tests[i].score`` (a runner without ``tests`` throws, and
    then nothing at all reaches Classroom)."""
    runs = []
    for runner in runners_input.split(","):
        encoded = env[f"{runner.strip().upper()}_RESULTS"]
        runs.append((runner, json.loads(base64.b64decode(encoded).decode("utf-8"))))
    total = maximum = 0
    for _runner, results in runs:
        if not results.get("max_score"):
            continue
        maximum += results["max_score"]
        for test in results["tests"]:
            total += test["score"]
    return total, maximum, runs


def workflow(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def test_committed_workflow_is_current():
    """`nox -s test` fails when a kata changed and nobody ran `nox -s classroom`."""
    committed = classroom_workflow.path(ROOT)
    assert committed.is_file(), "no .github/workflows/classroom.yml: run `nox -s classroom`"
    expected = classroom_workflow.render(load_catalog(ROOT))
    assert committed.read_text(encoding="utf-8") == expected, (
        "the committed Classroom workflow is stale: run `nox -s classroom` and commit it"
    )


def test_workflow_has_the_shape_classroom_requires(catalog):
    data = workflow(classroom_workflow.render(catalog))
    assert data["name"] == "Autograding Tests"
    assert list(data["jobs"]) == ["run-autograding-tests"]
    assert "push" in data["on"]
    steps = data["jobs"]["run-autograding-tests"]["steps"]
    kata_steps = [s for s in steps if "id" in s]
    assert len(kata_steps) == len(catalog)
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["if"] == "always()"
    ids = [s["id"] for s in kata_steps]
    assert all(re.fullmatch(r"[a-zA-Z0-9]+", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert RUNNERS_INPUT.match(reporter["with"]["runners"])
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {
        f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids
    }
    for step, kata in zip(kata_steps, catalog, strict=True):
        assert step["if"] == "always()"  # a failed install or kata skips no other kata
        assert f"python -P -m graders grade {kata.id} --format classroom" in step["run"]
        assert f"({kata.points} points)" in step["name"]
    # No kata is skipped in Classroom for want of a new enough Python.
    version = data["jobs"]["run-autograding-tests"]["steps"][1]["with"]["python-version"]
    assert tuple(map(int, version.split("."))) >= max(k.min_python for k in catalog)


def test_devcontainer_python_grades_every_kata(catalog):
    config = json.loads((ROOT / ".devcontainer/devcontainer.json").read_text())
    version = re.search(r"python:\d+-(\d+)\.(\d+)", config["image"]).groups()
    assert tuple(map(int, version)) >= max(k.min_python for k in catalog)
    assert "-e ." in config["postCreateCommand"] and "nox" in config["postCreateCommand"]


# -- running the steps ----------------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A student's repository after some work: 01 and 02 solved, 03 half right (a
    serial loop), the probe kata with a wrong answer; workflow and manifest in place."""
    repo = tmp_path_factory.mktemp("student")
    shutil.copytree(ROOT / "graders", repo / "graders", ignore=shutil.ignore_patterns("__py*"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    for kata in KATAS:
        shutil.copytree(ROOT / "katas" / kata, repo / "katas" / kata)
    shutil.copytree(FIXTURES / "katas" / "90_probe", repo / "katas" / "90_probe")
    for kata in KATAS[:2]:
        shutil.copy(ROOT / "solutions" / kata / "kata.py", repo / "katas" / kata / "kata.py")
    shutil.copy(
        ROOT / "solutions/03_gather_in_order/mistakes/serial_loop.py",
        repo / "katas/03_gather_in_order/kata.py",
    )
    shutil.copy(FIXTURES / "solutions/90_probe/mistakes/wrong.py", repo / "katas/90_probe/kata.py")
    classroom_workflow.write(repo)
    integrity.write(repo, load_catalog(repo))
    return repo


def run_step(step: dict, repo: Path, tmp: Path, path: str | None = None, edit=None) -> dict:
    """Run one `shell: bash` step as the Actions runner does; return its outputs."""
    output = tmp / f"{step['id']}.output"
    output.write_text("")
    script = step["run"] if edit is None else edit(step["run"])
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp),
        "PATH": path or f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("PYTHONPATH", None)
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=repo,
        env=env,
        check=True,  # the step itself must never fail
        capture_output=True,
        timeout=300,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
    return outputs


def steps_of(repo: Path) -> tuple[list[dict], dict]:
    data = workflow(classroom_workflow.path(repo).read_text())
    steps = data["jobs"]["run-autograding-tests"]["steps"]
    return [s for s in steps if "id" in s], steps[-1]


def grade_json(repo: Path, *katas: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "graders", "grade", *katas, "--json", "-", "-q"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout)


def test_steps_and_reporter_give_the_same_points_as_grade_json(checkout, tmp_path):
    kata_steps, reporter = steps_of(checkout)
    env = {}
    for step in kata_steps:
        outputs = run_step(step, checkout, tmp_path)
        env[f"{step['id'].upper()}_RESULTS"] = outputs["result"]
    total, maximum, runs = reporter_total(reporter["with"]["runners"], env)
    expected = grade_json(checkout)
    assert (total, maximum) == (expected["score"], expected["max_score"])
    assert 0 < total < maximum  # partial credit reached Classroom, not all-or-nothing
    by_id = {k["id"]: k for k in expected["katas"]}
    for (runner, results), kata_id in zip(runs, sorted(by_id), strict=True):
        kata = by_id[kata_id]
        assert runner == classroom_workflow.runner_ids(load_catalog(checkout))[kata_id]
        assert results["version"] == 1
        assert results["status"] == kata["status"]
        assert results["max_score"] == kata["max_score"]
        assert sum(t["score"] for t in results["tests"]) == kata["score"]
        for test in results["tests"]:
            assert {"name", "status", "score", "max_score", "message", "test_code"} <= set(test)
            assert {"filename", "line_no", "duration"} <= set(test)
            assert isinstance(test["score"], int) and test["status"] in ("pass", "fail", "error")
    serial = next(r for _, r in runs if any("fetches_overlap" in t["name"] for t in r["tests"]))
    overlap = next(t for t in serial["tests"] if t["name"] == "test_fetches_overlap")
    assert overlap["score"] == 0 and "yours took 2.4s" in overlap["message"]
    assert overlap["filename"] == "katas/03_gather_in_order/.tests/test_gather_in_order.py"
    assert overlap["line_no"] > 0 and "kata.fetch_all" in overlap["test_code"]


def fake_python(folder: Path, body: str) -> str:
    """A PATH whose `python` is a shell script: a grader that crashes or hangs."""
    folder.mkdir()
    (folder / "python").write_text(f"#!/bin/sh\n{body}\n")
    (folder / "python").chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_a_grader_that_crashes_or_hangs_costs_only_its_kata(checkout, tmp_path):
    kata_steps, reporter = steps_of(checkout)
    crashing = fake_python(tmp_path / "crash", "echo 'Segmentation fault' >&2; exit 139")
    hanging = fake_python(tmp_path / "hang", "sleep 60")
    shorter = f"timeout -k 10 {classroom_workflow.STEP_TIMEOUT} "
    env = {}
    for step in kata_steps:
        if step["id"] == "kata02":  # the grader crashes: no result file at all
            outputs = run_step(step, checkout, tmp_path, path=crashing)
        elif step["id"] == "kata03":  # the grader hangs: the step's own timeout stops it
            assert shorter in step["run"]
            outputs = run_step(
                step,
                checkout,
                tmp_path,
                path=hanging,
                edit=lambda s: s.replace(shorter, "timeout -k 1 1 "),
            )
        else:
            outputs = run_step(step, checkout, tmp_path)
        env[f"{step['id'].upper()}_RESULTS"] = outputs["result"]
    total, maximum, runs = reporter_total(reporter["with"]["runners"], env)
    expected = {k["id"]: k for k in grade_json(checkout)["katas"]}
    lost = expected["02_overlap_two"]["score"] + expected["03_gather_in_order"]["score"]
    assert lost > 0
    assert maximum == sum(k["max_score"] for k in expected.values())
    assert total == sum(k["score"] for k in expected.values()) - lost > 0
    results = dict(runs)
    for rid, kata in (("kata02", "02_overlap_two"), ("kata03", "03_gather_in_order")):
        assert results[rid]["status"] == "error"
        assert results[rid]["max_score"] == expected[kata]["max_score"]
        assert [t["score"] for t in results[rid]["tests"]] == [0]
        assert "did not finish" in results[rid]["tests"][0]["message"]


def test_an_edited_hidden_test_earns_nothing_in_the_workflow(checkout, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(checkout, tampered)
    test_file = tampered / "katas/03_gather_in_order/.tests/test_gather_in_order.py"
    test_file.write_text(test_file.read_text() + "\n\nassert True  # made it pass\n")
    kata_steps, reporter = steps_of(tampered)
    env = {}
    for step in kata_steps:
        env[f"{step['id'].upper()}_RESULTS"] = run_step(step, tampered, tmp_path)["result"]
    total, maximum, runs = reporter_total(reporter["with"]["runners"], env)
    results = dict(runs)["kata03"]
    assert results["status"] == "error" and results["max_score"] == 10
    assert sum(t["score"] for t in results["tests"]) == 0
    assert (
        "katas/03_gather_in_order/.tests/test_gather_in_order.py (changed)"
        in (results["tests"][0]["message"])
    )
    untouched = grade_json(checkout)
    assert maximum == untouched["max_score"]
    assert total == untouched["score"] - next(
        k["score"] for k in untouched["katas"] if k["id"] == "03_gather_in_order"
    )
