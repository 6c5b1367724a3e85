"""The original stubs, for ``python -m graders reset``, and the backups it keeps.

Where the original of ``katas/NN_slug/kata.py`` comes from, first found wins:

1. ``katas/.stubs/NN_slug.py``: a pristine copy of every stub, written by
   ``python -m graders export`` into a student template, so a Classroom repository or a
   downloaded zip of one can always reset, with or without git.
2. git: the newest committed version of the file that is still a stub, i.e. in which
   every function and method but ``__init__`` still raises ``NotImplementedError``
   (read, never run). In a fresh clone that is the version in ``HEAD``; once a
   student has committed work on the kata, it is the one before their first attempt.
   When no version qualifies (an author changed a stub's shape), the oldest committed
   version is taken: every kata file enters the history as a stub.
3. Nothing: the folder is not a git checkout and has no copies; ``reset`` says so.

Before a file is replaced, the learner's version is copied to
``.kata-backups/NN_slug/kata-YYYYMMDD-HHMMSS.py`` at the repository root: outside
``katas/``, so never graded, and ignored by git (``.gitignore``).
"""

from __future__ import annotations

import ast
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from .catalog import Kata

STUB_COPIES = "katas/.stubs"
BACKUPS = ".kata-backups"


def original(root: Path, kata: Kata) -> tuple[bytes, str] | None:
    """The original stub's bytes and where they came from (for the message), or None."""
    copy = root / STUB_COPIES / f"{kata.id}.py"
    if copy.is_file():
        return copy.read_bytes(), f"{STUB_COPIES}/{kata.id}.py"
    relative = f"katas/{kata.id}/kata.py"
    oldest = None
    for commit, content in _committed_versions(root, relative):
        if is_stub(content):
            return content, f"git, commit {commit[:10]}"
        oldest = content, f"git, commit {commit[:10]} (its first version)"
    return oldest


def is_stub(source: bytes) -> bool:
    """Every function and method but ``__init__`` raises NotImplementedError somewhere."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    functions = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            functions += [
                n
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name != "__init__"
            ]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(node)
    return bool(functions) and all(_raises_not_implemented(f) for f in functions)


def _raises_not_implemented(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None


def _committed_versions(root: Path, relative: str) -> Iterator[tuple[str, bytes]]:
    """(commit, content) of each committed version of a file, newest first."""
    done = _git(root, "log", "--format=%H", "--", relative)
    if done is None or done.returncode != 0:
        return
    for commit in done.stdout.decode().split():
        shown = _git(root, "show", f"{commit}:./{relative}")
        if shown is not None and shown.returncode == 0:  # absent where the commit deleted it
            yield commit, shown.stdout


def backup(root: Path, kata: Kata) -> Path | None:
    """Copy the learner's ``kata.py`` into ``.kata-backups/``; None when there is none."""
    current = kata.path / "kata.py"
    if not current.is_file():
        return None
    folder = root / BACKUPS / kata.id
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"kata-{stamp}.py"
    n = 1
    while target.exists():  # two resets in one second
        n += 1
        target = folder / f"kata-{stamp}-{n}.py"
    target.write_bytes(current.read_bytes())
    return target
