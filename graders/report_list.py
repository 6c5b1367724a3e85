"""``python -m graders list``: every kata in curriculum order, grouped by module, with
its state and points from the progress cache, a progress bar per module and overall.
Nothing is graded, so it is instant; a kata edited since its last check says so.

``--json`` prints (one object; scores are those of each kata's last check)::

    {"python": "3.11",
     "score": 21, "max_score": 400,        # over the katas this Python can run
     "passing": 2, "katas_total": 43,      # katas done (passing, unchanged) / runnable
     "hints_shown": 3,
     "current": "02_overlap_two",          # what `check` grades by default; null when done
     "modules": [{"module": 1, "title": "Coroutines and the event loop",
                  "score": 18, "max_score": 45, "passing": 2, "katas_total": 5}, ...],
     "katas": [{"id": "02_overlap_two", "number": 2, "title": "Overlap two", "module": 1,
                "state": "failing",        # not_started | failing | passing | missing
                                           # (no kata.py) | unsupported (newer Python)
                "changed": false,          # kata.py edited since that check
                "score": 3,                # null when never checked
                "max_score": 9, "min_python": "3.11",
                "hints_shown": 1, "hints_total": 3,
                "checked": "2026-11-25T02:00Z",   # UTC; null when never checked
                "path": "katas/02_overlap_two"}, ...]}
"""

from __future__ import annotations

import json
import sys

from .catalog import MODULES
from .current import (
    FAILING,
    MISSING,
    NOT_STARTED,
    PASSING,
    UNSUPPORTED,
    KataState,
    first_unfinished,
)
from .report_check import COMMAND, dot, kata_ref, wrap
from .report_terminal import Style

#: Width of a module's name (M6 Streams, subprocesses and threads): lines fit 80 columns.
HEADING = 37

JSON_STATES = {
    NOT_STARTED: "not_started",
    FAILING: "failing",
    PASSING: "passing",
    MISSING: "missing",
    UNSUPPORTED: "unsupported",
}


def _totals(group: list[KataState]) -> dict:
    runnable = [s for s in group if s.state != UNSUPPORTED]
    return {
        "score": sum(s.entry.score or 0 for s in runnable if s.known),
        "max_score": sum(s.kata.points for s in runnable),
        "passing": sum(1 for s in runnable if s.done),
        "katas_total": len(runnable),
    }


def _modules(all_states: list[KataState]) -> list[tuple[int, list[KataState]]]:
    groups: dict[int, list[KataState]] = {}
    for state in all_states:
        groups.setdefault(state.kata.module, []).append(state)
    return list(groups.items())


def to_json(all_states: list[KataState]) -> dict:
    current = first_unfinished(all_states)
    return {
        "python": ".".join(map(str, sys.version_info[:2])),
        **_totals(all_states),
        "hints_shown": sum(min(s.entry.hints, len(s.kata.hints)) for s in all_states),
        "current": current.kata.id if current else None,
        "modules": [
            {"module": number, "title": MODULES.get(number, ""), **_totals(group)}
            for number, group in _modules(all_states)
        ],
        "katas": [_kata_json(s) for s in all_states],
    }


def _kata_json(state: KataState) -> dict:
    kata, entry = state.kata, state.entry
    return {
        "id": kata.id,
        "number": kata.number,
        "title": kata.title,
        "module": kata.module,
        "state": JSON_STATES[state.state],
        "changed": state.changed,
        "score": entry.score if state.known else None,
        "max_score": kata.points,
        "min_python": ".".join(map(str, kata.min_python)),
        "hints_shown": min(entry.hints, len(kata.hints)),
        "hints_total": len(kata.hints),
        "checked": entry.checked or None,
        "path": f"katas/{kata.id}",
    }


def render_json(all_states: list[KataState]) -> str:
    return json.dumps(to_json(all_states), indent=2)


def render(all_states: list[KataState], stream=None) -> str:
    stream = stream or sys.stdout
    style = Style(stream)
    marks = {
        PASSING: style.status("pass", style.marks["pass"]),
        FAILING: style.status("fail", style.marks["fail"]),
        NOT_STARTED: style.paint("·" if dot(style) == "·" else ".", "2"),
        MISSING: style.status("error", "!"),
        UNSUPPORTED: style.status("skip", style.marks["skip"]),
    }
    current = first_unfinished(all_states)
    out: list[str] = []
    for number, group in _modules(all_states):
        totals = _totals(group)
        heading = f"M{number} {MODULES.get(number, '')}".rstrip()
        out.append("")
        out.append(style.paint(heading.ljust(HEADING), "1") + f" {_summary(totals, style)}")
        for state in group:
            out.append(_kata_line(state, marks[state.state], state is current, style))
    totals = _totals(all_states)
    hints = sum(min(s.entry.hints, len(s.kata.hints)) for s in all_states)
    out.append("")
    out.append(
        style.paint("overall".ljust(HEADING), "1")
        + f" {_summary(totals, style)}"
        + (f" {dot(style)} {hints} hint{'s' * (hints != 1)} shown" if hints else "")
    )
    if current is None:
        out.append("every kata passes (as of your last checks). Well done!")
    else:
        kata = current.kata
        out.append(
            wrap(
                f"{style.paint('current:', '1')} {kata_ref(kata)} {kata.title}: "
                f"`{COMMAND} check` grades it, `{COMMAND} next` tells you about it."
            )
        )
    return "\n".join(out)


def _summary(totals: dict, style: Style) -> str:
    if not totals["katas_total"]:
        return style.paint("(needs a newer Python)", "2")
    bar = style.bar(totals["score"], totals["max_score"])
    points = f"{totals['score']}/{totals['max_score']}"
    return (
        f"{bar} {points:>7} points {dot(style)} {totals['passing']}/{totals['katas_total']} passing"
    )


def _kata_line(state: KataState, mark: str, current: bool, style: Style) -> str:
    kata, entry = state.kata, state.entry
    name = f"{kata_ref(kata)} {kata.title}"
    score = f"{entry.score}" if state.known and state.state != UNSUPPORTED else "-"
    points = f"{score:>3}/{kata.points:<3}"
    label = state.label
    if state.changed:
        label = style.paint(label, "33")
    elif state.state in (NOT_STARTED, UNSUPPORTED):
        label = style.paint(label, "2")
    line = f"  {mark} {name:<{HEADING - 4}} {points}  {label}"
    hints = min(entry.hints, len(kata.hints))
    if hints:
        line += f" {dot(style)} {hints} of {len(kata.hints)} hints"
    if current:
        line += "  " + style.paint("<- current", "36;1")
    return line
