"""An instrumented async iterator whose items arrive at set virtual times.

Katas that consume a stream (an idle timeout, a merge, a pump) need a source that
says *when* each item was handed out and whether the consumer closed it. A test reads:

    source = TimedSource([(1.0, "a"), (0.5, "b")], then="hang")
    items = await kata.collect_until_idle(source, 2.0)
    source.emitted        # [(1.0, 'a'), (1.5, 'b')]: (virtual time, item)
    source.closed         # True once the consumer's aclose() completed (closed_at: when)
    source.finalized      # how the generator inside ended: see below

It behaves exactly like an async generator, because it wraps one:

- ``await source.__anext__()`` (``anext(source)``, ``async for``) waits the next item's
  gap, counted from the request, then returns the item. After the schedule, ``then``
  decides: ``"end"`` (StopAsyncIteration), ``"hang"`` (wait until cancelled or closed)
  or an exception (class or instance) raised to the consumer.
- cancelling a pending ``__anext__`` throws CancelledError into the generator, which
  ends it (its ``finally`` runs); later ``__anext__`` calls raise StopAsyncIteration.
- ``aclose()`` while a ``__anext__`` is still in flight raises RuntimeError, as a real
  async generator does; otherwise it closes the generator (its ``finally`` runs).

Unlike a real async generator, ``__anext__`` returns a coroutine, so
``asyncio.create_task(anext(source))`` works too.

Each ``__anext__`` call is recorded as a call of the `Recorder` (start = request,
end = item handed out), so `expect.elapsed(..., services=[source])` draws the pulls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from .fakes import Recorder

#: How the wrapped generator ended (``TimedSource.finalized``).
EXHAUSTED = "exhausted"  # ran past the schedule with then="end"
CLOSED = "closed"  # aclose() while it was suspended between items
CANCELLED = "cancelled"  # a pending __anext__ was cancelled
RAISED = "raised"  # then=<an exception>


class TimedSource(Recorder):
    def __init__(
        self,
        schedule: Iterable[tuple[float, Any]],
        *,
        then: str | BaseException | type[BaseException] = "end",
        name: str = "source",
    ):
        super().__init__(name)
        self.schedule = [(float(gap), item) for gap, item in schedule]
        self.then = then
        self.emitted: list[tuple[float, Any]] = []
        self.aclose_calls: list[float] = []  # when aclose() was called, even if it raised
        self.closed_at: float | None = None  # when an aclose() first completed
        self.finalized: str | None = None
        self.finalized_at: float | None = None
        self._gen = self._run()

    # -- the generator inside --------------------------------------------------------
    async def _run(self):
        loop = asyncio.get_running_loop()
        try:
            for gap, item in self.schedule:
                await asyncio.sleep(gap)
                self.emitted.append((loop.time(), item))
                yield item
            if self.then == "hang":
                await loop.create_future()
            elif self.then != "end":
                error = self.then() if isinstance(self.then, type) else self.then
                raise error
        except asyncio.CancelledError:
            self._finalize(CANCELLED)
            raise
        except GeneratorExit:
            self._finalize(CLOSED)
            raise
        except BaseException:
            self._finalize(RAISED)
            raise
        self._finalize(EXHAUSTED)

    def _finalize(self, how: str) -> None:
        if self.finalized is None:
            self.finalized = how
            self.finalized_at = asyncio.get_running_loop().time()

    # -- the async iterator protocol ---------------------------------------------------
    def __aiter__(self):
        return self

    async def __anext__(self):
        call = self._begin(len(self.calls), f"next({self.name})")
        try:
            item = await self._gen.__anext__()
        except StopAsyncIteration:
            call.label = f"{self.name} ended"
            self._end(call, "ok")
            raise
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        except BaseException as exc:
            self._end(call, "raised", exc)
            raise
        call.label = f"{self.name} -> {item!r}"
        self._end(call, "ok")
        return item

    async def aclose(self) -> None:
        self.aclose_calls.append(asyncio.get_running_loop().time())
        if self.running:
            raise RuntimeError(
                "aclose(): asynchronous generator is already running (a next() on it is "
                "still waiting for an item: cancel that first, then close)"
            )
        await self._gen.aclose()
        if self.closed_at is None:
            self.closed_at = asyncio.get_running_loop().time()

    # -- what the tests read ---------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """aclose() was called and completed."""
        return self.closed_at is not None

    @property
    def items(self) -> list:
        """The items handed out so far, in order."""
        return [item for _, item in self.emitted]

    @property
    def last_emitted_at(self) -> float | None:
        return self.emitted[-1][0] if self.emitted else None

    def __repr__(self) -> str:
        return f"<timed source {self.name}>"
