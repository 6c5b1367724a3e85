"""The grade as a learner reads it in a terminal: one line per kata, and for katas in
progress each failing test with its teaching message and timeline."""

from __future__ import annotations

import os
import sys
import textwrap

from .catalog import MODULES
from .scoring import Grade, KataResult
from .timeline import unicode_ok


class Style:
    def __init__(self, stream):
        self.color = (
            hasattr(stream, "isatty")
            and stream.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        ) or bool(os.environ.get("FORCE_COLOR"))
        fancy = unicode_ok(stream)
        self.marks = {
            "pass": "✓" if fancy else "+",
            "fail": "✗" if fancy else "x",
            "error": "!",
            "skip": "–" if fancy else "-",
        }
        self.bar_full, self.bar_empty = ("█", "░") if fancy else ("#", ".")
        self.dot = "·" if fancy else "-"

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def status(self, status: str, text: str) -> str:
        return self.paint(text, {"pass": "32", "fail": "31", "error": "33;1", "skip": "2"}[status])

    def bar(self, score: int, total: int, width: int = 10) -> str:
        filled = round(width * score / total) if total else 0
        return self.bar_full * filled + self.bar_empty * (width - filled)


def render(grade: Grade, *, explicit: bool = False, stream=None) -> str:
    stream = stream or sys.stdout
    style = Style(stream)
    out: list[str] = []
    module = None
    for result in grade.katas:
        if result.kata.module != module:
            module = result.kata.module
            out.append("")
            out.append(style.paint(f"M{module} {MODULES.get(module, '')}", "1"))
        out.append(_kata_line(result, style))
        if result.status in ("fail", "error") and (explicit or not result.not_started):
            out.extend(_details(result, style))
    out.append("")
    passing = sum(1 for k in grade.katas if k.status == "pass")
    graded = sum(1 for k in grade.katas if k.status != "skip")
    out.append(
        style.paint(f"total {grade.score}/{grade.max_score} points", "1")
        + f" {style.dot} {passing} of {graded} katas passing"
    )
    nxt = next((k for k in grade.katas if k.status in ("fail", "error")), None)
    if nxt is not None:
        out.append(f"next: {nxt.id}: read {os.path.relpath(nxt.kata.path / 'README.md')}")
    return "\n".join(out)


def _kata_line(result: KataResult, style: Style) -> str:
    status = result.status
    mark = style.status(status, style.marks[status])
    name = f"{result.kata.number:02d} {result.kata.title}"
    score = f"{result.score:>3}/{result.max_score:<3}"
    line = f"  {mark} {name:<40} {style.bar(result.score, result.max_score)} {score}"
    if status == "skip":
        line += f"  skipped: {result.skipped}"
    elif result.not_started:
        line += "  " + style.paint("not started", "2")
    elif result.error:
        line += "  " + style.status("error", "error")
    return line


def _details(result: KataResult, style: Style) -> list[str]:
    lines = []
    if result.error:
        lines.append(_indent(result.error, 6))
        return lines
    shown = set()
    for test in result.tests:
        if test.status in ("pass", "skip"):
            continue
        mark = style.status(test.status, style.marks[test.status])
        lines.append(f"    {mark} {test.name} ({test.score}/{test.max_score})")
        if test.message in shown:
            lines.append(_indent("(same as above)", 8))
            continue
        shown.add(test.message)
        lines.append(_indent(test.message, 8))
    return lines


def _indent(text: str, n: int) -> str:
    return textwrap.indent(text.rstrip(), " " * n)
