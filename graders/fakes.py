"""Instrumented fakes handed to the learner's code in place of real services.

A fake records every call (virtual start and end, outcome), how many calls are in
flight and the most there ever were, and which calls were cancelled. Tests turn those
records into verdicts and timelines with `graders.expect`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .timeline import Span


@dataclass
class Call:
    label: str
    key: Any
    start: float
    end: float | None = None
    outcome: str = "running"  # running | ok | raised | cancelled
    error: BaseException | None = None

    def span(self, now: float) -> Span:
        return Span(self.label, self.start, self.end if self.end is not None else now, self.outcome)


def _per_key(table, key, default):
    if callable(table) and not isinstance(table, Mapping):
        return table(key)
    if isinstance(table, Mapping):
        return table.get(key, default)
    return default if table is None else table


class Recorder:
    """Bookkeeping shared by every fake: calls, in-flight counts, timelines."""

    def __init__(self, name: str):
        self.name = name
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def _begin(self, key, label: str | None = None) -> Call:
        loop = asyncio.get_running_loop()
        call = Call(label or f"{self.name}({key!r})", key, loop.time())
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return call

    def _end(self, call: Call, outcome: str, error: BaseException | None = None) -> None:
        call.end = asyncio.get_running_loop().time()
        call.outcome = outcome
        call.error = error
        self.in_flight -= 1

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def calls_for(self, key) -> list[Call]:
        return [c for c in self.calls if c.key == key]

    @property
    def cancelled(self) -> list[Call]:
        return [c for c in self.calls if c.outcome == "cancelled"]

    @property
    def running(self) -> list[Call]:
        return [c for c in self.calls if c.outcome == "running"]

    def spans(self, now: float | None = None) -> list[Span]:
        if now is None:
            now = asyncio.get_running_loop().time()
        return [c.span(now) for c in self.calls]

    def in_flight_at(self, t: float) -> int:
        return sum(
            1 for c in self.calls if c.start <= t < (c.end if c.end is not None else float("inf"))
        )


class FakeService(Recorder):
    """``await service(key)``: waits the key's delay (virtual seconds), then returns its
    value or raises its error. Keys in ``hang`` never answer (until cancelled).

    ``delays``, ``values`` and ``errors`` are each a mapping, a callable of the key, or
    (delays only) one number for every key. Values default to ``f"value:{key}"``.
    An error may be an exception instance or class; it is raised after the delay.
    """

    def __init__(
        self,
        name: str = "fetch",
        *,
        delays: Mapping | Callable | float | None = None,
        default_delay: float = 1.0,
        values: Mapping | Callable | None = None,
        errors: Mapping | Callable | None = None,
        hang: Iterable[Hashable] = (),
    ):
        super().__init__(name)
        self.delays = delays
        self.default_delay = default_delay
        self.values = values
        self.errors = errors
        self.hang = set(hang)

    def delay_for(self, key) -> float:
        if isinstance(self.delays, (int, float)):
            return float(self.delays)
        return float(_per_key(self.delays, key, self.default_delay))

    def value_for(self, key):
        if self.values is None:
            return f"value:{key}"
        return _per_key(self.values, key, f"value:{key}")

    def error_for(self, key) -> BaseException | None:
        error = _per_key(self.errors, key, None) if self.errors is not None else None
        if isinstance(error, type):
            error = error(key)
        return error

    async def __call__(self, key):
        call = self._begin(key)
        try:
            if key in self.hang:
                await asyncio.get_running_loop().create_future()
            await asyncio.sleep(self.delay_for(key))
            error = self.error_for(key)
            if error is not None:
                raise error
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        except BaseException as exc:
            self._end(call, "raised", exc)
            raise
        self._end(call, "ok")
        return self.value_for(key)

    def __repr__(self) -> str:
        return f"<fake {self.name}>"


class EventLog:
    """A list of ``(virtual time, event)``: for checks on the order of events."""

    def __init__(self):
        self.events: list[tuple[float, Any]] = []

    def record(self, event) -> None:
        self.events.append((asyncio.get_running_loop().time(), event))

    @property
    def order(self) -> list:
        return [e for _, e in self.events]
