"""Draw what the learner's code did as bars on a time axis (the picture in failures).

fetch('a') ██████████
fetch('b')           ██████
           0s        1s   1.6s
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

WIDTH = 40

#: How each outcome is drawn: (unicode, ascii).
GLYPHS = {
    "ok": ("█", "#"),
    "raised": ("▓", "X"),
    "cancelled": ("░", "-"),
    "running": ("▒", "~"),
}
LEGEND = {
    "ok": "finished",
    "raised": "raised",
    "cancelled": "cancelled",
    "running": "still running",
}


@dataclass(frozen=True)
class Span:
    label: str
    start: float
    end: float
    outcome: str = "ok"  # ok | raised | cancelled | running


def unicode_ok(stream=None) -> bool:
    """Block characters unless the terminal cannot show them (or GRADERS_ASCII is set)."""
    if os.environ.get("GRADERS_ASCII"):
        return False
    encoding = getattr(stream or sys.stdout, "encoding", None) or ""
    try:
        "█░▓▒".encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _fmt(t: float) -> str:
    return f"{round(t, 3):g}s"


def render(
    spans: list[Span], *, unicode: bool = True, width: int = WIDTH, until: float | None = None
) -> str:
    """Bars for ``spans``; the axis runs to the last end, or to ``until`` if later."""
    if not spans:
        return "(no calls were made)"
    style = 0 if unicode else 1
    t_end = max(max(s.end for s in spans), until or 0.0, 1e-9)
    scale = width / t_end
    label_w = min(max(len(s.label) for s in spans), 24)
    rows = []
    for span in spans:
        first = round(span.start * scale)
        last = max(round(span.end * scale), first + 1)
        glyph = GLYPHS.get(span.outcome, GLYPHS["ok"])[style]
        label = span.label if len(span.label) <= label_w else span.label[: label_w - 1] + "…"
        rows.append(f"{label:<{label_w}} {' ' * first}{glyph * (last - first)}")
    rows.append(" " * (label_w + 1) + _axis(t_end, scale, width))
    used = sorted({s.outcome for s in spans}, key=list(GLYPHS).index)
    if used != ["ok"]:
        rows.append(
            " " * (label_w + 1) + "  ".join(f"{GLYPHS[o][style]} {LEGEND[o]}" for o in used)
        )
    return "\n".join(rows)


def _nice_step(t_end: float) -> float:
    raw = t_end / 4
    for step in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10):
        if step >= raw:
            return step
    return 10 ** len(str(int(raw)))


def _axis(t_end: float, scale: float, width: int) -> str:
    line = [" "] * (width + 12)
    step = _nice_step(t_end)
    ticks = [i * step for i in range(int(t_end / step) + 1)]
    if t_end - ticks[-1] > step / 3:
        ticks.append(t_end)
    elif ticks[-1] != t_end:
        ticks[-1] = t_end
    pos = 0
    for t in ticks:
        col = round(t * scale)
        text = _fmt(t)
        if col < pos:
            continue
        line[col : col + len(text)] = text
        pos = col + len(text) + 1
    return "".join(line).rstrip()
