"""The integrity manifest: an edited hidden test or grader file earns nothing, an
untouched checkout (even with Windows line endings) grades normally, and without a
manifest, as in this repository, nothing is checked at all."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from graders import integrity
from graders.catalog import load_catalog

from .conftest import ROOT

KATAS = ("01_hello_coroutine", "03_gather_in_order")
TEST_03 = "katas/03_gather_in_order/.tests/test_gather_in_order.py"


@pytest.fixture
def checkout(tmp_path):
    """A student's checkout of an exported template, with both katas solved."""
    repo = tmp_path / "student"
    shutil.copytree(ROOT / "graders", repo / "graders", ignore=shutil.ignore_patterns("__py*"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    for kata in KATAS:
        shutil.copytree(ROOT / "katas" / kata, repo / "katas" / kata)
        shutil.copy(ROOT / "solutions" / kata / "kata.py", repo / "katas" / kata / "kata.py")
    integrity.write(repo, load_catalog(repo))
    return repo


def check(repo):
    return integrity.verify(repo, load_catalog(repo), integrity.load(repo))


def test_this_repository_has_no_manifest_so_nothing_is_checked():
    assert integrity.load(ROOT) is None
    assert not (ROOT / integrity.MANIFEST).exists()


def test_an_untouched_checkout_passes_even_with_windows_line_endings(checkout):
    assert check(checkout) == {}
    path = checkout / TEST_03
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert check(checkout) == {}
    # The learner's own files are not part of the manifest.
    (checkout / "katas/01_hello_coroutine/kata.py").write_text("# my answer\n")
    assert check(checkout) == {}


def test_an_edited_hidden_test_marks_that_kata_only(checkout):
    path = checkout / TEST_03
    path.write_text(path.read_text().replace("expect.", "pass  # expect."))
    found = check(checkout)
    assert list(found) == ["03_gather_in_order"]
    assert f"{TEST_03} (changed)" in found["03_gather_in_order"]


def test_an_added_conftest_or_a_deleted_test_is_caught(checkout):
    (checkout / "katas/01_hello_coroutine/.tests/conftest.py").write_text("# make all pass\n")
    (checkout / TEST_03).unlink()
    found = check(checkout)
    assert "katas/01_hello_coroutine/.tests/conftest.py (added)" in found["01_hello_coroutine"]
    assert f"{TEST_03} (missing)" in found["03_gather_in_order"]


def test_an_edited_grader_marks_every_kata(checkout):
    with open(checkout / "graders/scoring.py", "a") as f:
        f.write("\n# harmless?\n")
    found = check(checkout)
    assert sorted(found) == list(KATAS)
    assert all("graders/scoring.py (changed)" in m for m in found.values())


def test_an_unreadable_manifest_checks_every_kata(checkout):
    (checkout / integrity.MANIFEST).write_text("{not json")
    assert sorted(check(checkout)) == list(KATAS)


def test_grading_a_tampered_checkout_gives_that_kata_0_of_its_real_points(checkout):
    path = checkout / TEST_03
    path.write_text(path.read_text() + "\n# edited\n")
    toml = checkout / "katas/03_gather_in_order/kata.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = 0"))
    done = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "--json", "-", "-q"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    katas = {k["id"]: k for k in json.loads(done.stdout)["katas"]}
    tampered = katas["03_gather_in_order"]
    assert (tampered["status"], tampered["score"], tampered["max_score"]) == ("error", 0, 10)
    assert TEST_03 in tampered["message"] and "kata.toml (changed)" in tampered["message"]
    assert (katas["01_hello_coroutine"]["status"], katas["01_hello_coroutine"]["score"]) == (
        "pass",
        8,
    )
