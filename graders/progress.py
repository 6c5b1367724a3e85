"""The learner's progress file, ``.kata-progress`` at the repository root.

One line per kata: the status and points of its last grade, how many of its hints
were shown, when it was graded, and a fingerprint (SHA-256, first 16 hex digits) of
``kata.py`` as it was graded, so an edit since then shows as "changed since last check"::

    03_gather_in_order  passing  10/10  hints=2  2026-11-25T02:00Z  sha256=3f2a9c0b1d2e4f56

It is a cache, never a grade: ``python -m graders grade`` and every report grade the
code again and ignore it; only ``list``, ``next`` and the defaults of ``check`` and
``hint`` read it. Every ``grade`` (of the learner's own katas), ``check``, ``solution``
and ``hint`` updates it, atomically, for the katas it touched; ``reset`` forgets a
kata's grade and keeps its hint count. A missing file is an empty one;
lines that do not parse (hand edits, merge conflicts) are ignored and dropped at the
next write. Students commit it so teachers can see hint use (the gradebook's ``hints``
column); the number is the student's own, so it informs and never grades.

Statuses in the file: ``passing``, ``failing``, ``not-started`` (the stub is untouched)
and ``unchecked`` (hints were shown, the kata was never graded; points ``-/-``).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .scoring import KataResult

FILENAME = ".kata-progress"
STATUSES = ("passing", "failing", "not-started", "unchecked")

HEADER = """\
# .kata-progress: where you are in the asyncio katas, written by `python -m graders`.
# One line per kata: status and points at its last check, hints shown, when it was
# checked, and a fingerprint of kata.py then (an edit shows as "changed since last check").
# It is only a cache: grades always come from running the tests again. You may delete
# it (you lose the hint counts) or edit it. Commit it with your work: your teacher can
# see how many hints you used.
"""

_ID = re.compile(r"^\d\d_[a-z0-9_]+$")
_POINTS = re.compile(r"^(?:(\d+)/(\d+)|-/-)$")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")
_HINTS = re.compile(r"^hints=(\d+)$")
_SHA = re.compile(r"^sha256=([0-9a-f]{16,64})$")
_KEY_VALUE = re.compile(r"^[a-z0-9_]+=\S*$")


@dataclass(frozen=True)
class Entry:
    kata_id: str
    status: str = "unchecked"
    score: int | None = None
    max_score: int | None = None
    hints: int = 0
    checked: str = ""  # "2026-11-25T02:00Z" (UTC), "" when never graded
    fingerprint: str = ""  # of kata.py when graded, "" when unknown

    @property
    def graded(self) -> bool:
        return self.status != "unchecked"

    def line(self) -> str:
        points = f"{self.score}/{self.max_score}" if self.graded else "-/-"
        parts = [f"{self.kata_id:<24}", f"{self.status:<11}", f"{points:<7}", f"hints={self.hints}"]
        if self.checked:
            parts.append(self.checked)
        if self.fingerprint:
            parts.append(f"sha256={self.fingerprint}")
        return " ".join(parts).rstrip()


def parse_line(line: str) -> Entry | None:
    """The entry a line describes, None for a comment, a blank or a line that does not parse."""
    tokens = line.split()
    if len(tokens) < 3 or tokens[0].startswith("#"):
        return None
    kata_id, status, points = tokens[:3]
    match = _POINTS.match(points)
    if not _ID.match(kata_id) or status not in STATUSES or not match:
        return None
    if (status == "unchecked") != (match.group(1) is None):
        return None
    entry = Entry(kata_id, status)
    if match.group(1) is not None:
        score, maximum = int(match.group(1)), int(match.group(2))
        if score > maximum:
            return None
        entry = replace(entry, score=score, max_score=maximum)
    for token in tokens[3:]:
        if hints := _HINTS.match(token):
            entry = replace(entry, hints=int(hints.group(1)))
        elif sha := _SHA.match(token):
            entry = replace(entry, fingerprint=sha.group(1)[:16])
        elif _TIME.match(token):
            entry = replace(entry, checked=token)
        elif token.startswith(("hints=", "sha256=")) or not _KEY_VALUE.match(token):
            return None  # (a key=value we do not know is a newer version's: kept out)
    return entry


def fingerprint(path: Path) -> str:
    """SHA-256 (first 16 hex digits) of a file, line endings normalised; "" if unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()[:16]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())


class Progress:
    """The entries of one repository's progress file (a snapshot: call ``save`` to write)."""

    def __init__(self, root: Path, entries: dict[str, Entry] | None = None):
        self.root = root
        self.entries: dict[str, Entry] = dict(entries or {})

    @property
    def path(self) -> Path:
        return self.root / FILENAME

    @classmethod
    def load(cls, root: Path) -> Progress:
        return cls(root, read(root / FILENAME))

    def get(self, kata_id: str) -> Entry:
        return self.entries.get(kata_id) or Entry(kata_id)

    def hints(self, kata_id: str) -> int:
        return self.get(kata_id).hints

    def record(self, result: KataResult, graded_print: str | None = None) -> None:
        """Remember a grade (a skipped kata tells nothing and is not recorded)."""
        status = _status(result)
        if status is None:
            return
        if graded_print is None:
            graded_print = fingerprint(result.kata.path / "kata.py")
        self.entries[result.id] = replace(
            self.get(result.id),
            status=status,
            score=result.score,
            max_score=result.max_score,
            checked=now(),
            fingerprint=graded_print,
        )

    def set_hints(self, kata_id: str, count: int) -> None:
        self.entries[kata_id] = replace(self.get(kata_id), hints=max(0, count))

    def forget_grade(self, kata_id: str) -> None:
        """Drop what is known of a kata's grade, keeping its hint count."""
        hints = self.hints(kata_id)
        self.entries.pop(kata_id, None)
        if hints:
            self.entries[kata_id] = Entry(kata_id, hints=hints)

    def text(self) -> str:
        lines = [self.entries[k].line() for k in sorted(self.entries)]
        return HEADER + "\n" + "\n".join(lines) + ("\n" if lines else "")

    def save(self) -> bool:
        """Write the file whole or not at all; False (with a note on stderr) if it cannot."""
        try:
            _write_atomically(self.path, self.text())
        except OSError as exc:
            print(f"note: could not save your progress in {self.path}: {exc}", file=sys.stderr)
            return False
        return True


def read(path: Path) -> dict[str, Entry]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # missing, a directory, unreadable: no progress known
        return {}
    entries = {}
    for line in text.splitlines():
        entry = parse_line(line)
        if entry is not None:
            entries[entry.kata_id] = entry
    return entries


def update(root: Path, change) -> Progress:
    """Read the file afresh, apply ``change(progress)`` and save: the window in which a
    second command (a ``hint`` in another terminal while ``check`` grades) could be
    overwritten is the few milliseconds between the two."""
    progress = Progress.load(root)
    change(progress)
    progress.save()
    return progress


def record_results(
    root: Path, results: list[KataResult], prints: dict[str, str] | None = None
) -> Progress:
    """Remember grades of the learner's own katas; ``prints`` are the fingerprints of
    the files taken before grading (default: the files as they are now)."""
    prints = prints or {}

    def change(progress: Progress) -> None:
        for result in results:
            progress.record(result, prints.get(result.id))

    return update(root, change)


def _status(result: KataResult) -> str | None:
    if result.status == "skip":
        return None
    if result.status == "pass":
        return "passing"
    return "not-started" if result.not_started else "failing"


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.is_file() else 0o644)  # not 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
