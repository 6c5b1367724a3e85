"""Generate ``.github/workflows/classroom.yml``, GitHub Classroom's autograding workflow.

Classroom's stock Python grader finds only ``*_test.py``, cannot install our plugins,
splits points evenly and reports nothing on a timeout, so the workflow runs our grader
instead: one step per kata emits the ``result`` output of
``classroom-resources/autograding-grading-reporter@v1`` (see ``report_classroom``),
then the stock reporter adds them up and sends the total to Classroom.

A step never loses its output: the grader writes its result atomically to a file, a
shell ``timeout`` bounds it, and when no file appears the step emits a result computed
here, at generation time, that gives the kata 0 of its points and says why. Every
step runs ``if: always()``, so one kata (or a failed install) costs only its points.

Classroom requires the workflow name ``Autograding Tests`` and the single job
``run-autograding-tests``. ``nox -s classroom`` regenerates the file; a test fails when
the committed one is stale.

    python -m graders.classroom_workflow [--check] [ROOT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import report_classroom
from .catalog import Kata, load_catalog, repo_root
from .integrity import WORKFLOW

NAME = "Autograding Tests"
JOB = "run-autograding-tests"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
#: Real seconds one kata's step may take before it is stopped and scores 0. The runner
#: already stops a hung test after its own limit; this bounds the grader itself.
STEP_TIMEOUT = 600


def runner_ids(katas: list[Kata]) -> dict[str, str]:
    """Kata id -> its runner id: ``kataNN`` (the reporter accepts only [a-zA-Z0-9])."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for kata in katas:
        rid = f"kata{kata.number:02d}"
        if rid in taken:
            rid += kata.slug.replace("_", "")
        taken.add(rid)
        ids[kata.id] = rid
    return ids


def python_version(katas: list[Kata]) -> str:
    """The newest ``min_python`` among the katas, so no kata is skipped in Classroom."""
    major, minor = max([(3, 11), *(k.min_python for k in katas)])
    return f"{major}.{minor}"


def step_script(kata: Kata, rid: str) -> str:
    fallback = report_classroom.encode(
        report_classroom.fallback(
            kata,
            f"the grader did not finish grading {kata.id} (stopped after {STEP_TIMEOUT} s, "
            f"or it could not start): 0 points. Run `nox -s grade -- {kata.number:02d}` "
            "on your machine to see why.",
        )
    )
    return "\n".join(
        [
            f'out="${{RUNNER_TEMP:-/tmp}}/{rid}.result"',
            'rm -f "$out"',
            # -P: the checkout is not put first on sys.path, so a student's argparse.py
            # (say) is never imported by the grader; graders itself is pip-installed.
            # PYTHONPYCACHEPREFIX: compiled files come from a fresh folder, never from a
            # committed __pycache__ (an unchecked-hash .pyc would replace grader code
            # without touching the .py files the integrity manifest checks).
            f'PYTHONPYCACHEPREFIX="${{RUNNER_TEMP:-/tmp}}/pycache" '
            f"timeout -k 10 {STEP_TIMEOUT} python -P -m graders grade {kata.id} "
            '--format classroom --output "$out" || true',
            f'if [ -s "$out" ]; then result="$(cat "$out")"; else result=\'{fallback}\'; fi',
            'echo "result=$result" >> "$GITHUB_OUTPUT"',
        ]
    )


def render(katas: list[Kata]) -> str:
    ids = runner_ids(katas)
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    lines = [
        "# Generated from the katas' metadata by `nox -s classroom`: do not edit by hand.",
        "# One step per kata runs the grader and emits its result; the reporter adds them up.",
        f"name: {NAME}",
        "on:",
        "  - push",
        "  - repository_dispatch",
        "  - workflow_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        f"  {JOB}:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        f"          python-version: {q(python_version(katas))}",
        "      - name: Install the grader",
        "        run: python -m pip install -e .",
    ]
    for kata in katas:
        rid = ids[kata.id]
        lines += [
            f"      - name: {q(f'{kata.number:02d} {kata.title} ({kata.points} points)')}",
            f"        id: {rid}",
            "        if: always()",
            "        shell: bash",
            "        run: |",
            *(f"          {line}" for line in step_script(kata, rid).splitlines()),
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        if: always()",
        f"        uses: {REPORTER}",
        "        env:",
        *(
            f"          {rid.upper()}_RESULTS: {q('${{ steps.' + rid + '.outputs.result }}')}"
            for rid in ids.values()
        ),
        "        with:",
        f"          runners: {','.join(ids.values())}",
    ]
    return "\n".join(lines) + "\n"


def path(root: Path) -> Path:
    return root / WORKFLOW


def write(root: Path) -> Path:
    target = path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(load_catalog(root)), encoding="utf-8")
    return target


def is_current(root: Path) -> bool:
    target = path(root)
    return target.is_file() and target.read_text(encoding="utf-8") == render(load_catalog(root))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    root = Path(rest[0]).resolve() if rest else repo_root()
    if check:
        if is_current(root):
            return 0
        print(f"{path(root)} is stale: run `nox -s classroom`", file=sys.stderr)
        return 1
    print(f"wrote {write(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
