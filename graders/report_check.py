"""One kata's grade as a learner needs it after ``python -m graders check``: every test
with its points, the teaching message of each failure (timing failures carry the
learner's own timeline), and what to do next.

``render_check(result, progress, stream)`` is shared with ``python -m graders watch``.
``progress`` (the learner's ``.kata-progress``, see graders.progress) supplies the hints
already shown and, with the catalog, the kata that comes next.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

from .catalog import Kata, UsageError, load_catalog
from .current import first_unfinished, states
from .progress import Progress
from .report_terminal import Style
from .scoring import KataResult

COMMAND = "python -m graders"
STATE_WORDS = {"pass": "passing", "fail": "failing", "error": "error", "skip": "skipped"}


def render_check(
    result: KataResult, progress: Progress, stream=None, *, watching: bool = False
) -> str:
    """``watching``: shown by ``watch``, which grades on every save and moves on by
    itself, so the next step is "save", never "run check"."""
    stream = stream or sys.stdout
    style = Style(stream)
    out = [_header(result, style), ""]
    if result.status == "skip":
        out.append(f"  skipped: {result.skipped}")
        out.append("")
        if not watching:
            out += _next_kata(result.kata, progress, style)
        return "\n".join(out)
    if result.error:
        out.append(_indent(result.error, 2))
    elif result.not_started:
        out += _not_started(result, style)
    else:
        out += _tests(result, style)
    out.append("")
    if result.status == "pass":
        out += _well_done(result.kata, progress, style, watching)
    else:
        out += _next_step(result, progress, style, watching)
    return "\n".join(out)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when that is shorter to read."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def kata_ref(kata: Kata) -> str:
    """How commands name a kata in what we print: its two-digit number."""
    return f"{kata.number:02d}"


def dot(style: Style) -> str:
    """The separator between a kata's number and title: a middle dot, or "-" in ASCII."""
    return "·" if style.bar_full == "█" else "-"


def kata_name(kata: Kata, style: Style) -> str:
    return f"{kata_ref(kata)} {dot(style)} {kata.title}"


def _header(result: KataResult, style: Style) -> str:
    kata = result.kata
    state = "not started" if result.not_started else STATE_WORDS[result.status]
    mark = style.status(result.status, style.marks[result.status])
    title = style.paint(kata_name(kata, style), "1")
    points = f"{result.score}/{result.max_score} points" if not result.skipped else "skipped"
    bar = style.bar(result.score, result.max_score)
    return f"{mark} {title}   {bar} {points}   {style.status(result.status, state)}"


def _tests(result: KataResult, style: Style) -> list[str]:
    width = max((len(t.name) for t in result.tests), default=0)
    lines = []
    shown: set[str] = set()
    for test in result.tests:
        mark = style.status(test.status, style.marks[test.status])
        lines.append(f"  {mark} {test.name:<{width}}  {test.score}/{test.max_score}")
        if test.status in ("pass", "skip") or not test.message:
            continue
        if test.message in shown:
            lines.append(_indent("(the same message as above)", 6))
            continue
        shown.add(test.message)
        lines.append(_indent(test.message, 6))
    return lines


def _not_started(result: KataResult, style: Style) -> list[str]:
    first = next(t for t in result.tests if t.status != "skip")
    lines = [_indent(first.message, 2), "", "  the tests waiting for your code:"]
    for test in result.tests:
        mark = style.status("fail", style.marks["fail"])
        points = f"{test.max_score} point{'s' * (test.max_score != 1)}"
        lines.append(f"    {mark} {test.name} ({points})")
    return lines


def _next_step(
    result: KataResult, progress: Progress, style: Style, watching: bool = False
) -> list[str]:
    kata = result.kata
    ref = kata_ref(kata)
    again = "save kata.py" if watching else f"run `{COMMAND} check {ref}`"
    readme = display_path(kata.path / "README.md")
    head = style.paint("next step:", "1")
    if result.error or result.status == "error":  # no test could run: one problem to fix
        lines = [wrap(f"{head} fix the problem above, then {again} again.")]
        if not (kata.path / "kata.py").is_file():
            lines.append(f"  `{COMMAND} reset {ref}` puts the original kata.py back.")
    elif result.not_started:
        lines = [
            wrap(
                f"{head} read {readme}, write your code in "
                f"{display_path(kata.path / 'kata.py')}, then {again}."
            )
        ]
    else:
        failing = next(t for t in result.tests if t.status in ("fail", "error"))
        lines = [
            wrap(
                f"{head} make {style.paint(failing.name, '1')} pass first: it is the first "
                "test that fails, and its message above says what it expected and what your "
                "code did."
            ),
            f"  the task: {readme}",
        ]
    lines += _hint_line(kata, progress)
    return lines


def _hint_line(kata: Kata, progress: Progress) -> list[str]:
    total = len(kata.hints)
    if not total:
        return []
    shown = min(progress.hints(kata.id), total)
    ref = kata_ref(kata)
    if shown < total:
        return [f"  stuck? `{COMMAND} hint {ref}` shows hint {shown + 1} of {total}."]
    return [f"  you have seen all {total} hints; `{COMMAND} hint {ref}` shows them again."]


def _well_done(kata: Kata, progress: Progress, style: Style, watching: bool = False) -> list[str]:
    lines = [style.paint("well done: every test passes.", "32;1")]
    solution = progress.root / "solutions" / kata.id / "kata.py"
    if solution.is_file():
        lines.append(
            f"  compare with the reference solution: `{COMMAND} solution {kata_ref(kata)}`"
        )
    return lines if watching else lines + _next_kata(kata, progress, style)


def _next_kata(kata: Kata, progress: Progress, style: Style) -> list[str]:
    try:
        catalog = [k for k in load_catalog(progress.root) if k.id != kata.id]
    except UsageError:  # the catalog could not be read: the grade above still stands
        return []
    upcoming = first_unfinished(states(catalog, progress))
    if upcoming is None:
        return [style.paint("every kata passes: you have finished the course.", "1")]
    following = upcoming.kata
    return [
        wrap(
            f"{style.paint('next kata:', '1')} {kata_name(following, style)}: "
            f"read {display_path(following.path / 'README.md')}, then run `{COMMAND} check`."
        )
    ]


def wrap(text: str, indent: int = 2, first: int = 0) -> str:
    """Our own prose (never a test's message) folded to the terminal's width."""
    width = max(40, min(88, shutil.get_terminal_size((88, 24)).columns - 2))
    return textwrap.fill(
        text,
        width,
        initial_indent=" " * first,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _indent(text: str, n: int) -> str:
    return textwrap.indent(text.rstrip(), " " * n)
