"""A timing check's timeline as data: the learner's calls beside the expected schedule.

The text timeline in a failure message is drawn for the terminal. The HTML report draws
the same calls again, as SVG, next to the schedule the test expected, so it needs them
as data. A `Chart` rides on the `KataFailure` a check raises, goes through the results
channel as JSON, and comes back here in the runner: JSON-safe, and bounded (at most
`MAX_SPANS` bars per lane, short labels) whatever the learner's code did.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .timeline import Span

#: Bars kept per lane; the rest are counted in ``dropped``.
MAX_SPANS = 200
MAX_LABEL = 80
OUTCOMES = ("ok", "raised", "cancelled", "running")


@dataclass(frozen=True)
class Chart:
    """What a timing check saw. Times are the loop's clock, in seconds."""

    spans: tuple[Span, ...]  # the learner's calls, in start order
    expected: tuple[Span, ...] = ()  # the schedule the test expected; () if it named none
    until: float = 0.0  # the axis runs at least this far
    start: float | None = None  # when the measured run began (elapsed checks)
    measured: float | None = None  # how long it took
    expected_total: float | None = None  # how long it should have taken
    dropped: int = 0  # learner calls left out beyond MAX_SPANS

    @property
    def end(self) -> float:
        """Where the time axis ends: the last bar, the run's end, or ``until``."""
        ends = [self.until, *(s.end for s in self.spans), *(s.end for s in self.expected)]
        if self.start is not None:
            for total in (self.measured, self.expected_total):
                if total is not None:
                    ends.append(self.start + total)
        return max(ends)

    def to_json(self) -> dict:
        data: dict = {"spans": [_span_json(s) for s in self.spans], "until": _num(self.until)}
        if self.expected:
            data["expected"] = [_span_json(s) for s in self.expected]
        for key in ("start", "measured", "expected_total"):
            value = getattr(self, key)
            if value is not None:
                data[key] = _num(value)
        if self.dropped:
            data["dropped"] = self.dropped
        return data

    @classmethod
    def from_json(cls, data) -> Chart | None:
        """The chart in ``data``, or None when it is not one (never raises)."""
        if not isinstance(data, dict):
            return None
        try:
            spans = _spans_from_json(data.get("spans", []))
            expected = _spans_from_json(data.get("expected", []))
            until = _finite(data.get("until", 0.0))
            optional = {
                key: _finite(data[key]) if data.get(key) is not None else None
                for key in ("start", "measured", "expected_total")
            }
            dropped = data.get("dropped", 0)
            if not isinstance(dropped, int) or isinstance(dropped, bool) or dropped < 0:
                raise ValueError("dropped")
        except (TypeError, ValueError):
            return None
        return cls(spans, expected, until, dropped=dropped, **optional)


def make(
    spans: Iterable[Span],
    *,
    expected: Iterable = (),
    until: float | None = None,
    start: float | None = None,
    measured: float | None = None,
    expected_total: float | None = None,
) -> Chart:
    """A bounded chart: spans sorted by start, capped, labels shortened. ``expected``
    (`Span` objects or ``(label, start, end[, outcome])`` tuples) keeps its order: the
    test's own, usually the order of the keys."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    plan = [as_span(s) for s in expected]
    return Chart(
        tuple(_bounded(s) for s in ordered[:MAX_SPANS]),
        tuple(_bounded(s) for s in plan[:MAX_SPANS]),
        until or 0.0,
        start,
        measured,
        expected_total,
        max(0, len(ordered) - MAX_SPANS),
    )


def greedy(durations: Iterable[tuple[str, float, str]], limit: int | None, start: float = 0.0):
    """Each ``(label, seconds, outcome)`` starts in order, as soon as one of ``limit`` slots
    is free (all at once when ``limit`` is None): the ideal schedule of most katas."""
    items = list(durations)
    slots = [start] * (len(items) if limit is None else max(1, min(limit, len(items))))
    plan = []
    for label, seconds, outcome in items:
        begin = heapq.heappop(slots)
        plan.append(Span(label, begin, begin + seconds, outcome))
        heapq.heappush(slots, begin + seconds)
    return plan


def as_span(item) -> Span:
    """``item`` (a `Span` or a ``(label, start, end[, outcome])`` tuple) as a `Span`; a
    ValueError names what is wrong with it (for kata authors writing a schedule)."""
    if not isinstance(item, Span):
        try:
            label, begin, end, *rest = item
            item = Span(str(label), float(begin), float(end), *rest[:1])
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"a schedule entry is (label, start, end[, outcome]); got {item!r}"
            ) from exc
    if item.outcome not in OUTCOMES or not item.start <= item.end:
        raise ValueError(f"schedule entry {item!r}: outcome in {OUTCOMES}, start <= end")
    return item


def _bounded(span: Span) -> Span:
    label = span.label if len(span.label) <= MAX_LABEL else span.label[: MAX_LABEL - 1] + "…"
    outcome = span.outcome if span.outcome in OUTCOMES else "ok"
    return Span(label, span.start, max(span.start, span.end), outcome)


def _num(value: float) -> float:
    return round(float(value), 6)


def _span_json(span: Span) -> list:
    return [span.label, _num(span.start), _num(span.end), span.outcome]


def _finite(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(value)
    return float(value)


def _spans_from_json(items) -> tuple[Span, ...]:
    if not isinstance(items, list) or len(items) > MAX_SPANS:
        raise ValueError("spans")
    spans = []
    for item in items:
        if not isinstance(item, list) or len(item) != 4:
            raise ValueError(item)
        label, begin, end, outcome = item
        if not isinstance(label, str) or outcome not in OUTCOMES:
            raise ValueError(item)
        spans.append(_bounded(Span(label, _finite(begin), _finite(end), outcome)))
    return tuple(spans)
