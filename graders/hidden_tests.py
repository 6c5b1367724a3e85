"""The hidden tests a grade runs, read once before any kata code runs.

Kata code runs with the user's rights, so it can rewrite ``katas/NN/.tests/`` (or add a
``conftest.py``) to make a later run pass, or the rerun of its own kata after a crash.
So the runner reads every kata's hidden tests (and its ``kata.toml``) into memory
before it starts a job, each job collects its tests from a private copy written from
that memory, and once the kata is graded the files on disk are compared with what was
read: a kata whose files changed while it was being graded scores 0, with a message
naming them. The files are not restored (a kata author may be editing them).
"""

from __future__ import annotations

from pathlib import Path

from .catalog import Kata
from .integrity import _files


class HiddenTests:
    def __init__(self, kata: Kata):
        self.kata = kata
        self.tests = _read(kata.tests_dir)
        self.toml = _read_one(kata.path / "kata.toml")

    def copy_to(self, folder: Path) -> Path:
        """Write the tests as read into ``folder`` (made here); returns it."""
        for name, data in self.tests.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def changed(self) -> list[str]:
        """The kata's files that differ on disk from what was read, each with how."""
        now = _read(self.kata.tests_dir)
        names = [
            f".tests/{n}"
            for n in sorted(set(self.tests) | set(now))
            if self.tests.get(n) != now.get(n)
        ]
        if _read_one(self.kata.path / "kata.toml") != self.toml:
            names.append("kata.toml")
        return [f"katas/{self.kata.id}/{name}" for name in names]

    def message(self, changed: list[str]) -> str:
        return (
            "the hidden tests of this kata changed on disk while it was being graded ("
            + ", ".join(changed)
            + "). Kata code must never write to the tests that grade it, so this kata "
            "scores 0. Restore the files (e.g. `git checkout -- katas/"
            + self.kata.id
            + "`) and grade again."
        )


def read_all(katas: list[Kata]) -> dict[Path, HiddenTests]:
    """Every kata's hidden tests, for ``Runner(..., hidden=)``."""
    return {kata.path: HiddenTests(kata) for kata in katas}


def _read(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in _files(folder):
        data = _read_one(path)
        if data is not None:
            found[path.relative_to(folder).as_posix()] = data
    return found


def _read_one(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
