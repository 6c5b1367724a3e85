"""The integrity manifest: SHA-256 of what decides a grade, so an edited test cannot earn points.

An exported student template carries ``.github/grading-manifest.json`` with the hash of
every file in each kata's ``.tests/`` (and its ``kata.toml``), of the grader package,
of ``pyproject.toml`` (it decides what gets installed) and of the Classroom workflow.
When a manifest is present, grading checks it first: a kata whose hidden tests changed,
or every kata when the grader or the workflow changed, is an ``error`` worth 0, with a
message naming the files. Without a manifest (this development repository) nothing is
checked. The gradebook checks each submission against the teacher's manifest instead
of the student's own, which a student could rewrite along with the tests.

Line endings are normalised before hashing: a Windows checkout with ``core.autocrlf``
must not look tampered with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from .catalog import Kata

MANIFEST = ".github/grading-manifest.json"
WORKFLOW = ".github/workflows/classroom.yml"
_SKIP_DIRS = {"__pycache__", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not _SKIP_DIRS.intersection(p.relative_to(folder).parts)
        and p.suffix not in _SKIP_SUFFIXES
    )


def grader_files(root: Path) -> list[str]:
    """The files every kata's grade depends on, relative to ``root``."""
    names = [p.relative_to(root).as_posix() for p in _files(root / "graders")]
    names += [name for name in ("pyproject.toml", WORKFLOW) if (root / name).is_file()]
    return names


def kata_files(root: Path, kata: Kata) -> list[str]:
    """The files one kata's grade depends on: its hidden tests and its kata.toml."""
    folder = root / "katas" / kata.id
    names = [p.relative_to(root).as_posix() for p in _files(folder / ".tests")]
    if (folder / "kata.toml").is_file():
        names.append(f"katas/{kata.id}/kata.toml")
    return names


def build(root: Path, katas: list[Kata]) -> dict:
    return {
        "version": 1,
        "algorithm": "sha256",
        "grader": {name: digest(root / name) for name in grader_files(root)},
        "katas": {
            kata.id: {
                "points": kata.points,
                "files": {name: digest(root / name) for name in kata_files(root, kata)},
            }
            for kata in katas
        },
    }


def write(root: Path, katas: list[Kata]) -> Path:
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build(root, katas), indent=2, sort_keys=True) + "\n", "utf-8")
    return path


def load(root: Path) -> dict | None:
    """The manifest in ``root``, None when there is none; a broken one is an empty manifest
    (every kata then fails the check rather than grading unchecked)."""
    path = root / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": 1, "grader": {"(unreadable manifest)": ""}, "katas": {}}
    return data if isinstance(data, dict) else {"grader": {"(unreadable manifest)": ""}}


def _compare(root: Path, expected: dict, present: list[str]) -> list[str]:
    problems = []
    for name, want in sorted(expected.items()):
        path = root / name
        if not path.is_file():
            problems.append(f"{name} (missing)")
        elif digest(path) != want:
            problems.append(f"{name} (changed)")
    problems += [f"{name} (added)" for name in present if name not in expected]
    return problems


def problems(root: Path, katas: list[Kata], manifest: dict) -> dict[str, list[str]]:
    """Kata id -> the files (with what is wrong) that differ from ``manifest``."""
    grader = _compare(root, manifest.get("grader") or {}, grader_files(root))
    recorded = manifest.get("katas") or {}
    found: dict[str, list[str]] = {}
    for kata in katas:
        entry = recorded.get(kata.id)
        if entry is None:
            own = [f"katas/{kata.id} (not part of this assignment's manifest)"]
        else:
            own = _compare(root, entry.get("files") or {}, kata_files(root, kata))
        if grader or own:
            found[kata.id] = grader + own
    return found


def verify(root: Path, katas: list[Kata], manifest: dict) -> dict[str, str]:
    """Kata id -> why its grade cannot be trusted, for every kata that fails the check."""
    return {
        kata_id: (
            "integrity check failed: files that decide the grade differ from the "
            f"assignment's ({MANIFEST}): " + ", ".join(files) + ". Restore them "
            "(e.g. `git checkout <first commit> -- FILE`) and grade again."
        )
        for kata_id, files in problems(root, katas, manifest).items()
    }


def trusted_points(kata: Kata, manifest: dict) -> Kata:
    """``kata`` with the points the manifest recorded (an edited kata.toml cannot change
    what the kata is worth)."""
    entry = (manifest.get("katas") or {}).get(kata.id) or {}
    points = entry.get("points")
    return replace(kata, points=points) if isinstance(points, int) else kata
