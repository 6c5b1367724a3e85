"""The student template: what a teacher pushes as a GitHub Classroom starter repository.

It holds what a student needs to work and be graded, and nothing that gives answers
away or grades against them: no ``solutions/`` (so no mistakes either), no engine
tests (they prove the solutions, and their fixtures hold solutions), no CI workflow
(Classroom needs ``Autograding Tests`` to be the only workflow that runs on push). The
stubs are fresh: each ``kata.py`` is taken from the last commit when the repository is
a git checkout, so a teacher's experiments in ``katas/`` do not leak into the
template. A pristine copy of each stub goes to ``katas/.stubs/`` (``python -m graders
reset`` restores from it, git or not), and the template's ``.gitignore`` keeps
``.kata-progress``, which students commit so their teacher sees hint use. The
Classroom workflow is regenerated and an integrity manifest written last.

    python -m graders export DIR
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from . import classroom_workflow, integrity, originals, progress
from .catalog import UsageError, load_catalog

#: Top-level entries copied into the template (everything else stays behind).
INCLUDE = ("README.md", "noxfile.py", "pyproject.toml", ".gitignore", "graders", "katas")
DEVCONTAINER = ".devcontainer"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")


def export(root: Path, dest: Path) -> list[str]:
    """Write the template into ``dest`` (new or empty); return notes for the teacher."""
    dest = dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest} is not empty: export into a new or empty folder")
    if dest == root.resolve() or root.resolve() in dest.parents:
        raise UsageError(f"{dest} is inside the repository: export somewhere else")
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*INCLUDE, DEVCONTAINER):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=_IGNORE)
        elif source.is_file():
            shutil.copy2(source, dest / name)
    notes = _fresh_stubs(root, dest)
    _keep_stub_copies(dest)
    _student_gitignore(dest)
    katas = load_catalog(dest)
    classroom_workflow.write(dest)
    integrity.write(dest, katas)
    return notes


def _fresh_stubs(root: Path, dest: Path) -> list[str]:
    notes = []
    for stub in sorted((dest / "katas").glob("*/kata.py")):
        relative = stub.relative_to(dest).as_posix()
        committed = _committed(root, relative)
        if committed is None:
            continue
        if committed != stub.read_bytes():
            notes.append(
                f"{relative}: your uncommitted edits were left out (exported as committed)"
            )
            stub.write_bytes(committed)
    return notes


def _keep_stub_copies(dest: Path) -> None:
    copies = dest / originals.STUB_COPIES
    copies.mkdir(parents=True, exist_ok=True)
    for stub in sorted((dest / "katas").glob("*/kata.py")):
        shutil.copy2(stub, copies / f"{stub.parent.name}.py")


def _student_gitignore(dest: Path) -> None:
    """The template's .gitignore without the progress file: students commit it."""
    path = dest / ".gitignore"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip().lstrip("/") != progress.FILENAME]
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")


def _committed(root: Path, relative: str) -> bytes | None:
    """The file as in the last commit; None outside git or for a file never committed."""
    try:
        done = subprocess.run(
            ["git", "show", f"HEAD:{relative}"], cwd=root, capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def cmd_export(args) -> int:
    from .catalog import repo_root

    dest = Path(args.dir)
    notes = export(repo_root(), dest)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"student template written to {dest.resolve()}")
    print("next: create a repository from it, mark it a template, and use it in Classroom")
    return 0
