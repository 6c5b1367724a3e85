"""Cancel the learner's code mid-flight and judge how it ended.

Katas about cancellation all need the same two steps: run the learner's coroutine as a
task, cancel it at a chosen virtual time, wait for it to end; then require that it
*ended cancelled* (``task.cancelled()``), and usually promptly. A test reads:

    run = await cancelling.cancel_after(kata.hold_lease(pool, work), 1.0)
    cancelling.expect_cancelled(run, call="hold_lease(pool, work)", hint=...)
    expect.elapsed(run.end - run.cancel_at, 0.25, what="the release after the cancel")

If the learner's code swallows the CancelledError and keeps running, awaiting it never
ends: the loop's virtual-time budget (or busy-loop cap) then fails the test with a
message about swallowed cancellations. Mark such tests with a small budget
(``@pytest.mark.limits(virtual=60)``) so they fail fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass

from . import expect
from .expect import TOLERANCE
from .fakes import Recorder

CANCEL_PROPAGATES = (
    "cancellation must propagate: if you catch asyncio.CancelledError (or BaseException, "
    "or use a bare `except:`) to clean up, end the handler with a bare `raise`; better, "
    "clean up in a `finally:` block and do not catch it at all."
)


@dataclass
class CancelRun:
    """What happened to a task cancelled by `cancel_after` (virtual times)."""

    task: asyncio.Task
    start: float
    cancel_at: float
    end: float
    done_before_cancel: bool

    @property
    def late_by(self) -> float:
        """How long the task kept running after it was cancelled."""
        return self.end - self.cancel_at


async def cancel_after(coro: Coroutine, delay: float, *, name: str | None = None) -> CancelRun:
    """Run ``coro`` as a task, ``task.cancel()`` it ``delay`` virtual seconds later and
    wait for it to end, however it ends (this never raises what the task raised).

    A stub's NotImplementedError is re-raised, so it is reported as "not started"."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    task = asyncio.create_task(coro, name=name)
    await asyncio.sleep(delay)
    done_before = task.done()
    cancel_at = loop.time()
    task.cancel()
    await asyncio.wait([task])
    run = CancelRun(task, start, cancel_at, loop.time(), done_before)
    if not task.cancelled() and isinstance(task.exception(), NotImplementedError):
        raise task.exception()
    return run


def expect_cancelled(
    run: CancelRun,
    *,
    call: str,
    promptly: bool = False,
    services: Iterable[Recorder] = (),
    hint: str | None = CANCEL_PROPAGATES,
) -> None:
    """The task must have ended cancelled (``task.cancelled()``); with ``promptly``, at
    the very virtual instant it was cancelled. ``services`` are drawn on failure."""
    services = list(services)

    def fail(message: str, hint: str | None) -> None:
        if services:
            message = expect.timeline(*services) + "\n" + message
        expect.fail(message, hint)

    task = run.task
    when = f"{run.cancel_at - run.start:g}s"
    if run.done_before_cancel:
        outcome = _outcome(task)
        fail(
            f"{call} had already ended ({outcome}) when the test cancelled it at {when}; "
            "it should still have been running then.",
            hint,
        )
    if not task.cancelled():
        exc = task.exception()
        if exc is None:
            fail(
                f"{call} was cancelled at {when}, but it returned {task.result()!r} "
                "instead of ending cancelled: the CancelledError was swallowed, so the "
                "code that cancelled it believes it finished normally.",
                hint,
            )
        fail(
            f"{call} was cancelled at {when}, but instead of CancelledError it ended "
            f"with {type(exc).__name__}: {exc}.",
            hint,
        )
    if promptly and run.late_by > TOLERANCE:
        fail(
            f"{call} was cancelled at {when} but kept running until "
            f"{run.end - run.start:g}s before the CancelledError came out.",
            hint,
        )


def _outcome(task: asyncio.Task) -> str:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    if exc is not None:
        return f"raised {type(exc).__name__}: {exc}"
    return f"returned {task.result()!r}"
