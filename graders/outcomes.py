"""Await the learner's call and keep however it ended: value or exception, and when.

`expect.timed` measures a call that must return; `expect.raises` one that must raise a
given type. When a test judges *how* a call ended (returned a default, or leaked a
TimeoutError? raised an ExceptionGroup, or the bare error?), it settles the call first
and then inspects the outcome:

    outcome = await settle(kata.fetch_or_default(fetch, "a", 2.0, "fallback"))
    if outcome.error is not None: ...
    expect.elapsed(outcome.elapsed, 2.0, what=...)

The stub's NotImplementedError is re-raised (also from inside an ExceptionGroup), so an
unattempted kata is still reported as "not started"; a CancelledError aimed at the test
itself is re-raised too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

from .errors import Interrupted, KataFailure


@dataclass
class Outcome:
    value: object
    error: BaseException | None
    start: float
    end: float

    @property
    def elapsed(self) -> float:
        return self.end - self.start

    @property
    def returned(self) -> bool:
        return self.error is None


def leaves(group: BaseExceptionGroup) -> list[BaseException]:
    """Every exception inside a (possibly nested) exception group, in order."""
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def describe(exc: BaseException) -> str:
    """``ValueError('b')``, or ``ExceptionGroup of [ValueError('b')]``."""
    if isinstance(exc, BaseExceptionGroup):
        return f"{type(exc).__name__} of [{', '.join(describe(e) for e in leaves(exc))}]"
    return f"{type(exc).__name__}({', '.join(map(repr, exc.args))})"


async def settle(awaitable: Awaitable) -> Outcome:
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        value = await awaitable
    except NotImplementedError:
        raise
    except asyncio.CancelledError as exc:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        return Outcome(None, exc, start, loop.time())
    except BaseException as exc:
        if isinstance(exc, BaseExceptionGroup) and any(
            isinstance(e, NotImplementedError) for e in leaves(exc)
        ):
            raise
        if isinstance(exc, (Interrupted, KataFailure, KeyboardInterrupt, SystemExit)):
            raise  # the engine's own verdicts, and what must end the run
        return Outcome(None, exc, start, loop.time())
    return Outcome(value, None, start, loop.time())
