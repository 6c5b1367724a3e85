"""`nox -s export -- DIR`: the student template holds no answers, fresh stubs, the
Classroom workflow and a manifest that matches it, and it grades out of the box."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graders import classroom_workflow, export, integrity
from graders.catalog import UsageError, load_catalog

from .conftest import ROOT


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    dest = tmp_path_factory.mktemp("export") / "course"
    done = subprocess.run(
        [sys.executable, "-m", "graders", "export", str(dest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dest


def test_no_answers_leave_the_repository(template):
    assert not (template / "solutions").exists()
    assert not (template / "tests").exists()  # the engine's tests hold fixture solutions
    assert not list(template.rglob("mistakes"))
    assert not list(template.rglob("__pycache__"))
    assert sorted(p.name for p in (template / ".github/workflows").iterdir()) == ["classroom.yml"]


def test_the_template_has_what_students_need(template):
    for name in ("README.md", "noxfile.py", "pyproject.toml", ".devcontainer/devcontainer.json"):
        assert (template / name).is_file(), name
    katas = load_catalog(template)
    assert [k.id for k in katas] == [k.id for k in load_catalog(ROOT)]

    def files(folder):
        return sorted(
            p.relative_to(folder) for p in folder.rglob("*") if "__pycache__" not in p.parts
        )

    for kata in katas:  # every kata whole: stub, README, kata.toml, hidden tests
        assert files(kata.path) == files(ROOT / "katas" / kata.id)
    assert any(kata.test_files for kata in katas)


def test_workflow_and_manifest_match_the_template(template):
    katas = load_catalog(template)
    workflow = classroom_workflow.path(template).read_text()
    assert workflow == classroom_workflow.render(katas)
    manifest = json.loads((template / integrity.MANIFEST).read_text())
    assert manifest == integrity.build(template, katas)
    assert integrity.WORKFLOW in manifest["grader"] and "graders/plugin.py" in manifest["grader"]
    assert integrity.verify(template, katas, manifest) == {}


def test_the_template_grades_its_fresh_stubs_to_zero(template):
    done = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "1", "3", "--json", "-", "-q"],
        cwd=template,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert (data["score"], data["max_score"]) == (0, 18)
    assert all(k["status"] == "fail" for k in data["katas"])  # not started, no integrity error


def test_uncommitted_edits_to_a_stub_are_not_exported(tmp_path, monkeypatch):
    dest = tmp_path / "out"
    stub = dest / "katas/01_hello_coroutine/kata.py"
    stub.parent.mkdir(parents=True)
    stub.write_text("async def add(a, b):\n    return a + b  # the teacher's try\n")
    committed = b"async def add(a, b):\n    raise NotImplementedError\n"
    monkeypatch.setattr(export, "_committed", lambda root, rel: committed)
    notes = export._fresh_stubs(ROOT, dest)
    assert stub.read_bytes() == committed
    assert notes and "katas/01_hello_coroutine/kata.py" in notes[0]


def test_export_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "something").write_text("")
    with pytest.raises(UsageError, match="not empty"):
        export.export(ROOT, tmp_path)
    with pytest.raises(UsageError, match="inside the repository"):
        export.export(ROOT, ROOT / "build" / "template")


def test_students_commit_their_progress_and_can_reset_without_git(template):
    ignored = (template / ".gitignore").read_text().splitlines()
    assert ".kata-progress" not in ignored  # their teacher sees hint use in it
    assert ".kata-backups/" in ignored  # reset's backups stay on the student's machine
    assert ".kata-progress" in (ROOT / ".gitignore").read_text().splitlines()
    for kata in load_catalog(template):
        copy = template / "katas" / ".stubs" / f"{kata.id}.py"
        assert copy.read_bytes() == (kata.path / "kata.py").read_bytes(), kata.id
