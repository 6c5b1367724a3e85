"""Draw a timing check's `Chart` as inline SVG for the HTML report.

The same picture as the terminal's text timeline (`graders.timeline`), with room to
spare: one bar per call on a labelled time axis in seconds, outcomes told apart by
colour *and* shape (finished solid, raised hatched, cancelled dashed and hollow,
still running with an arrow), a legend in words, and two groups of lanes: "your run"
and, below it, the "expected" schedule, on the same axis so their lengths compare.
"""

from __future__ import annotations

import math
from html import escape

from .timeline import LEGEND, Span
from .timing_chart import Chart

WIDTH = 720
LABEL_W = 150  # the label column
PLOT_X0 = 160
PLOT_X1 = WIDTH - 36  # room for the last tick's label
HEADING_H = 20
GROUP_GAP = 10
AXIS_H = 26
LEGEND_H = 22
MAX_GROUP_H = 240  # many calls get thinner rows, never a taller picture
LABEL_CHARS = 22

#: Okabe-Ito colours (told apart with colour-blindness, and printable).
FILL = {"ok": "#0072B2", "raised": "#D55E00", "cancelled": "#FFFFFF", "running": "#E69F00"}
MARKER = "#007A5A"  # the expected end: a dashed line down both groups


def _fmt(t: float) -> str:
    return f"{round(t, 3):g}s"


def _step(t_end: float) -> float:
    """A round tick step giving about five to eight ticks."""
    magnitude = 10 ** math.floor(math.log10(t_end / 6))
    for factor in (1, 2, 2.5, 5, 10):
        if t_end / (factor * magnitude) <= 8:
            return factor * magnitude
    return 10 * magnitude


def _row_height(rows: int) -> float:
    return max(1.2, min(18.0, MAX_GROUP_H / max(rows, 1)))


class _Canvas:
    def __init__(self, t_end: float, prefix: str):
        self.scale = (PLOT_X1 - PLOT_X0) / t_end
        self.prefix = prefix
        self.parts: list[str] = []

    def x(self, t: float) -> float:
        return PLOT_X0 + t * self.scale

    def add(self, text: str) -> None:
        self.parts.append(text)

    def bar(self, span: Span, y: float, h: float, lane: str) -> None:
        x0 = self.x(span.start)
        width = max(self.x(span.end) - x0, 2.0)  # an instant still shows
        words = f"{span.label}: {_fmt(span.start)} to {_fmt(span.end)}, {LEGEND[span.outcome]}"
        self.add(
            f'<rect class="bar bar-{span.outcome}" data-lane="{lane}" '
            f'x="{x0:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
            f"{_paint(span.outcome, self.prefix)}><title>{escape(words)}</title></rect>"
        )
        if span.outcome == "running":  # an arrow: it goes on past the picture
            tip = x0 + width
            self.add(
                f'<path d="M{tip:.1f} {y - 1:.1f}l5 {h / 2 + 1:.1f}l-5 {h / 2 + 1:.1f}z" '
                f'fill="{FILL["running"]}" aria-hidden="true"/>'
            )


def _paint(outcome: str, prefix: str) -> str:
    if outcome == "raised":
        return f'fill="url(#{prefix}-hatch)" stroke="{FILL["raised"]}"'
    if outcome == "cancelled":
        return 'fill="#FFFFFF" stroke="#333333" stroke-dasharray="4 2" stroke-width="1.2"'
    return f'fill="{FILL[outcome]}"'


def _defs(prefix: str) -> str:
    return (
        f'<defs><pattern id="{prefix}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{FILL["raised"]}"/>'
        '<rect width="2" height="6" fill="#FFFFFF"/></pattern></defs>'
    )


def _lanes(chart: Chart) -> list[tuple[str, str, list[Span]]]:
    """(lane id, heading, bars) for "your run" and, when known, "expected"."""
    start = chart.start or 0.0
    yours = list(chart.spans)
    heading = "your run"
    if chart.measured is not None:
        heading += f": {_fmt(chart.measured)}"
    if not yours and chart.measured is not None:
        yours = [Span("your run", start, start + chart.measured)]
    if chart.dropped:
        heading += f" (the first {len(chart.spans)} of {len(chart.spans) + chart.dropped} calls)"
    lanes = [("yours", heading, yours)]
    expected = _in_order_of(list(chart.expected), yours)
    if not expected and chart.expected_total is not None:
        total = _fmt(chart.expected_total)
        expected = [Span(f"done by {total}", start, start + chart.expected_total)]
    if expected:
        heading = "expected"
        if chart.expected_total is not None:
            heading += f": {_fmt(chart.expected_total)}"
        lanes.append(("expected", heading, expected))
    return lanes


def _in_order_of(plan: list[Span], spans: list[Span]) -> list[Span]:
    """``plan`` with its rows in the order the learner's calls are drawn, so each call
    sits at the same height in both groups; calls the learner never made come last."""
    rank: dict[str, list[int]] = {}
    for i, span in enumerate(spans):
        rank.setdefault(span.label, []).append(i)
    keyed = []
    for j, span in enumerate(plan):
        slots = rank.get(span.label)
        keyed.append(((slots.pop(0) if slots else len(spans) + j), span))
    return [span for _, span in sorted(keyed, key=lambda pair: pair[0])]


def render(chart: Chart, *, prefix: str = "tl", title: str = "Timeline") -> str:
    """The chart as one ``<svg>`` element; ``prefix`` keeps its ids unique on the page."""
    lanes = _lanes(chart)
    t_end = max(chart.end, *(s.end for _, _, bars in lanes for s in bars), 1e-9)
    canvas = _Canvas(t_end, prefix)
    y = 4.0
    used: list[str] = []
    body_top = y
    for lane, heading, bars in lanes:
        row_h = _row_height(len(bars))
        group_h = HEADING_H + row_h * len(bars)
        shade = "#EEF3F8" if lane == "yours" else "#EEF6F0"
        canvas.add(f'<g class="lane lane-{lane}" data-lane="{lane}">')
        canvas.add(
            f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{group_h:.1f}" fill="{shade}" '
            'aria-hidden="true"/>'
        )
        canvas.add(f'<text class="lane-heading" x="6" y="{y + 14:.1f}">{escape(heading)}</text>')
        y += HEADING_H
        for span in bars:
            if row_h >= 12:
                label = span.label
                if len(label) > LABEL_CHARS:
                    label = label[: LABEL_CHARS - 1] + "…"
                canvas.add(
                    f'<text class="bar-label" x="{LABEL_W}" y="{y + row_h * 0.72:.1f}" '
                    f'text-anchor="end">{escape(label)}</text>'
                )
            gap = row_h * 0.15 if row_h >= 4 else 0.0  # thin rows: bars touch, shape shows
            canvas.bar(span, y + gap, row_h - 2 * gap, lane)
            if span.outcome not in used:
                used.append(span.outcome)
            y += row_h
        canvas.add("</g>")
        y += GROUP_GAP
    body_bottom = y - GROUP_GAP
    grid, axis = _axis(canvas, t_end, body_top, body_bottom)
    marker = ""
    if chart.expected_total is not None:
        x = canvas.x((chart.start or 0.0) + chart.expected_total)
        marker = (
            f'<line class="expected-end" x1="{x:.1f}" y1="{body_top:.1f}" x2="{x:.1f}" '
            f'y2="{body_bottom:.1f}" stroke="{MARKER}" stroke-width="2" '
            'stroke-dasharray="5 3"/>'
        )
    legend_y = body_bottom + AXIS_H + 14
    height = legend_y + LEGEND_H - 8
    summary = "; ".join(heading for _, heading, _ in lanes)
    return (
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(summary)}</desc>'
        + _defs(prefix)
        + grid
        + "".join(canvas.parts)
        + marker
        + axis
        + _legend(used, legend_y, prefix, marker=bool(marker))
        + "</svg>"
    )


def _axis(canvas: _Canvas, t_end: float, top: float, bottom: float) -> tuple[str, str]:
    step = _step(t_end)
    ticks = [i * step for i in range(int(t_end / step + 1e-9) + 1)]
    if t_end - ticks[-1] > 1e-9:  # label the end; a tick too close to it gives way
        if len(ticks) > 1 and (t_end - ticks[-1]) * canvas.scale < 40:
            ticks.pop()
        ticks.append(t_end)
    grid, axis = [], []
    axis.append(
        f'<line x1="{PLOT_X0}" y1="{bottom + 2:.1f}" x2="{PLOT_X1}" y2="{bottom + 2:.1f}" '
        'stroke="#333333"/>'
    )
    for t in ticks:
        x = canvas.x(t)
        grid.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            'stroke="#C8CDD2" stroke-width="1" aria-hidden="true"/>'
        )
        axis.append(
            f'<line x1="{x:.1f}" y1="{bottom + 2:.1f}" x2="{x:.1f}" y2="{bottom + 7:.1f}" '
            'stroke="#333333"/>'
            f'<text class="tick" x="{x:.1f}" y="{bottom + 19:.1f}" text-anchor="middle">'
            f"{_fmt(t)}</text>"
        )
    grid_svg = '<g class="grid" aria-hidden="true">' + "".join(grid) + "</g>"
    return grid_svg, '<g class="axis">' + "".join(axis) + "</g>"


def _legend(used: list[str], y: float, prefix: str, *, marker: bool) -> str:
    parts = ['<g class="legend">']
    x = float(PLOT_X0)
    for outcome in [o for o in LEGEND if o in used] or ["ok"]:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="16" height="10" '
            f"{_paint(outcome, prefix)}/>"
            f'<text class="legend-text" x="{x + 21:.1f}" y="{y:.1f}">{LEGEND[outcome]}</text>'
        )
        x += 34 + 7 * len(LEGEND[outcome])
    if marker:
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 16:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{MARKER}" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text class="legend-text" x="{x + 21:.1f}" y="{y:.1f}">expected end</text>'
        )
    parts.append("</g>")
    return "".join(parts)
