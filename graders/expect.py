"""Checks for hidden tests that fail with a message written for a learner.

Each check says what was expected, what happened and, given a ``hint``, what to try;
timing checks draw the learner's own timeline from the fakes. A kata test reads:

    fetch = FakeService(delays={"a": 1.0, "b": 0.5})
    run = await expect.timed(kata.fetch_pair(fetch, "a", "b"))
    expect.equal(run.result, ("value:a", "value:b"), call="fetch_pair(fetch, 'a', 'b')")
    expect.elapsed(run, 1.0, what="the two fetches", services=[fetch], hint=...,
                   schedule=expect.ideal(fetch, ["a", "b"]))

A failing timing check also carries its timeline as data (`graders.timing_chart`), with
the ``schedule`` the test expected, for the HTML report.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any

from . import timing_chart
from .errors import KataFailure, LoopLimit
from .fakes import Recorder
from .timeline import Span, render, unicode_ok

TOLERANCE = 1e-6


@dataclass
class Timed:
    result: Any
    start: float
    end: float

    @property
    def elapsed(self) -> float:
        return self.end - self.start


async def timed(awaitable: Awaitable) -> Timed:
    """Await and measure in loop (virtual) time."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await awaitable
    return Timed(result, start, loop.time())


def fail(message: str, hint: str | None = None, *, chart: timing_chart.Chart | None = None) -> None:
    """Fail the test. A timeline drawn by `timeline` in this test and quoted in
    ``message`` comes along as data (``chart``) for the HTML report."""
    raise KataFailure(
        message + (f"\nhint: {hint}" if hint else ""), chart=chart or _drawn_in(message)
    )


#: On the current loop (one test; held weakly): the timelines drawn, text -> chart (see
#: `fail`), and the last schedule an `elapsed` check stated.
_drawn: dict = {"loop": lambda: None, "charts": {}, "schedule": ()}


def _drawn_in(message: str) -> timing_chart.Chart | None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    if _drawn["loop"]() is not loop:
        return None
    for text, chart in reversed(_drawn["charts"].items()):
        if text in message:
            return chart
    return None


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _this_test() -> dict:
    loop = asyncio.get_running_loop()
    if _drawn["loop"]() is not loop:
        _drawn.update(loop=weakref.ref(loop), charts={}, schedule=())
    return _drawn


def _remember(text: str, chart: timing_chart.Chart) -> None:
    charts = _this_test()["charts"]
    charts.pop(text, None)
    charts[text] = chart
    while len(charts) > 16:
        del charts[next(iter(charts))]


def timeline(*services: Recorder, until: float | None = None) -> str:
    """The calls recorded by ``services`` as bars; the axis runs to ``until`` if later."""
    loop = asyncio.get_running_loop()
    spans = [s for service in services for s in service.spans(loop.time())]
    spans.sort(key=lambda s: (s.start, s.end))
    text = render(spans, unicode=unicode_ok(), until=until)
    if spans:
        # The schedule this test stated for these very calls, if any, is drawn beside.
        plan = _this_test()["schedule"]
        same_calls = sorted(s.label for s in plan) == sorted(s.label for s in spans)
        _remember(text, timing_chart.make(spans, until=until, expected=plan if same_calls else ()))
    return text


def ideal(service, keys: Iterable, *, limit: int | None = None, start: float = 0.0) -> list:
    """The schedule a `FakeService` would follow at best: one call per key, in order, each
    starting as soon as one of ``limit`` slots is free (all at once by default), lasting
    its delay and ending as its errors say. For ``expect.elapsed(..., schedule=)``; keys
    that hang are left out (state those as ``(label, start, end, "cancelled")``)."""
    work = [
        (
            f"{service.name}({key!r})",
            service.delay_for(key),
            "raised" if service.error_for(key) is not None else "ok",
        )
        for key in keys
        if key not in service.hang
    ]
    return timing_chart.greedy(work, limit, start)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


def equal(actual, expected, *, call: str, hint: str | None = None) -> None:
    if actual != expected:
        fail(f"{call} returned {_show(actual)}\nexpected {_show(expected)}", hint)


def true(condition: bool, message: str, *, hint: str | None = None) -> None:
    if not condition:
        fail(message, hint)


def _overlap_story(services: Iterable[Recorder]) -> str:
    calls = [c for s in services for c in s.calls]
    if len(calls) < 2:
        return ""
    peak = max(s.max_in_flight for s in services)
    if peak <= 1:
        return ": the calls ran one after another, each starting only when the previous one ended"
    return f": at most {peak} calls ran at the same time"


def elapsed(
    measured: Timed | float,
    expected: float,
    *,
    what: str,
    services: Iterable[Recorder] = (),
    hint: str | None = None,
    why: str = "",
    overlap: bool = True,
    schedule: Iterable | None = None,
) -> None:
    """``measured`` must equal ``expected`` virtual seconds (virtual time is exact).

    With ``overlap`` (the default), a run slower than expected is explained by how many
    calls ran at once; pass ``overlap=False`` where calls are meant to be sequential.
    ``schedule`` is the ideal run, drawn beside the learner's in the HTML report: `Span`
    objects or ``(label, start, end[, outcome])`` tuples on the loop's clock (see
    `ideal`); without it the report shows one bar, "done by" ``expected`` seconds. Later
    failures of the same test that draw the same calls (``cancelled``...) show it too."""
    services = list(services)
    plan = [timing_chart.as_span(item) for item in schedule or ()]
    if plan and _loop_running():
        _this_test()["schedule"] = tuple(plan)
    took = measured.elapsed if isinstance(measured, Timed) else measured
    if abs(took - expected) <= TOLERANCE:
        return
    story = _overlap_story(services) if took > expected and overlap else ""
    because = f" ({why})" if why else ""
    message = f"expected {what} to take {expected:g}s{because}; yours took {took:g}s{story}."
    until = measured.end if isinstance(measured, Timed) else None
    if services:
        message = timeline(*services, until=until) + "\n" + message
    fail(message, hint, chart=_elapsed_chart(measured, took, expected, services, plan))


def _elapsed_chart(measured, took: float, expected: float, services, plan) -> timing_chart.Chart:
    try:
        now = asyncio.get_running_loop().time()
    except RuntimeError:  # a synchronous test: no calls to draw, no clock to place them
        now = None
    if isinstance(measured, Timed):
        start, until = measured.start, measured.end
    else:  # a number: taken to end now
        start = None if now is None else max(0.0, now - took)
        until = now
    spans = [s for service in services for s in service.spans(now)] if now is not None else []
    return timing_chart.make(
        spans, expected=plan, until=until, start=start, measured=took, expected_total=expected
    )


def max_in_flight(service: Recorder, expected: int, *, hint: str | None = None) -> None:
    """The most calls in flight at once on ``service`` (MIF) must be ``expected``."""
    got = service.max_in_flight
    if got != expected:
        more = "more" if got > expected else "fewer"
        fail(
            timeline(service)
            + f"\nexpected at most {expected} {service.name} calls in flight at once, and "
            f"{expected} at some moment; yours had {got} ({more}).",
            hint,
        )


def call_count(service: Recorder, expected: int, *, hint: str | None = None) -> None:
    if service.call_count != expected:
        keys = ", ".join(repr(c.key) for c in service.calls) or "none"
        fail(
            f"expected {expected} calls to {service.name}; yours made "
            f"{service.call_count} ({keys}).",
            hint,
        )


def cancelled(service: Recorder, keys: Iterable, *, hint: str | None = None) -> None:
    """Every call for each key must have seen CancelledError (CXL)."""
    for key in keys:
        calls = service.calls_for(key)
        if not calls or any(c.outcome != "cancelled" for c in calls):
            outcome = calls[-1].outcome if calls else "never called"
            if outcome == "running":
                outcome = "still running"
            fail(
                timeline(service) + f"\nexpected {_label(service, key, calls)} to be cancelled; it "
                f"{_outcome_verb(outcome)}.",
                hint,
            )


def not_cancelled(service: Recorder, keys: Iterable, *, hint: str | None = None) -> None:
    for key in keys:
        calls = service.calls_for(key)
        if any(c.outcome == "cancelled" for c in calls):
            fail(
                timeline(service)
                + f"\n{_label(service, key, calls)} was cancelled, but it should have been left "
                "to finish.",
                hint,
            )


def _label(service: Recorder, key, calls) -> str:
    return calls[-1].label if calls else f"{service.name}({key!r})"


def _outcome_verb(outcome: str) -> str:
    return {
        "ok": "finished normally",
        "raised": "raised an error",
        "still running": "was still running",
        "never called": "was never called",
    }.get(outcome, outcome)


def nothing_left_running(*services: Recorder, hint: str | None = None) -> None:
    """No task left pending and nothing in flight on the fakes (NLP).

    Call it right after the learner's function returned (or raised)."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    busy = [c for s in services for c in s.running]
    if not pending and not busy:
        return
    from . import diagnose

    loop = asyncio.get_running_loop()
    lines = []
    spans: list[Span] = [s for service in services for s in service.spans(loop.time())]
    for call in busy:
        lines.append(f"{call.label} is still in flight")
    for task in pending:
        lines.append(diagnose.describe_task(task, getattr(loop, "learner_file", None)))
    fail(
        "your function returned but left work running behind it:\n"
        + "\n".join(f"  - {line}" for line in lines)
        + "\nEverything a kata starts must be finished or cancelled (and awaited) "
        "before it returns.",
        hint
        or "cancel leftover tasks and await them, or use asyncio.TaskGroup, which does it for you.",
        chart=timing_chart.make(spans, until=loop.time()) if spans else None,
    )


async def raises(
    exc_type: type[BaseException] | tuple[type[BaseException], ...],
    awaitable: Awaitable,
    *,
    call: str,
    hint: str | None = None,
    allow_group: bool = False,
) -> BaseException:
    """Await ``awaitable`` and require it to raise ``exc_type``; return the exception.

    With ``allow_group``, an ExceptionGroup (from a TaskGroup) holding an ``exc_type``
    also counts, and that inner exception is returned."""
    names = (
        " or ".join(t.__name__ for t in exc_type)
        if isinstance(exc_type, tuple)
        else exc_type.__name__
    )
    try:
        result = await awaitable
    except (NotImplementedError, KataFailure, LoopLimit):
        raise  # the stub ("not started"), or a verdict from a fake or the loop itself
    except exc_type as exc:
        return exc
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        fail(f"{call} raised CancelledError; expected {names}.", hint)
    except BaseExceptionGroup as group:
        if allow_group:
            match, _ = group.split(exc_type)
            if match is not None:
                return _first_leaf(match)
        fail(f"{call} raised {_describe_group(group)}\nexpected {names}.", hint)
    except Exception as exc:
        fail(f"{call} raised {type(exc).__name__}: {exc}\nexpected {names}.", hint)
    fail(f"{call} returned {_show(result)}; expected it to raise {names}.", hint)
    raise AssertionError("unreachable")


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _describe_group(group: BaseExceptionGroup) -> str:
    inner = ", ".join(f"{type(e).__name__}({e})" for e in group.exceptions[:4])
    return f"{type(group).__name__} of [{inner}] (a TaskGroup wraps errors in a group)"
