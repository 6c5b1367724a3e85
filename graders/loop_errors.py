"""Mistakes asyncio reports only to the event loop's exception handler.

Some asyncio mistakes never raise anything the learner's code (or the test) could see:
asyncio just logs them through the loop's exception handler, which the VirtualTimeLoop
records in ``loop.stats.errors``:

- "Task exception was never retrieved": a task failed and was destroyed without anyone
  looking at its exception (``task.exception()``, ``task.result()`` or ``await task``);
- "Task was destroyed but it is pending!": a task was garbage-collected mid-way, because
  nothing held a strong reference to it (the loop keeps only weak ones);
- "Exception in callback ...": a callback run by the loop (a done-callback, say) raised.

The first two happen when the task object is destroyed, so `expect_no_loop_errors`
collects garbage first. A task that is still referenced is never destroyed, so never
reported: make sure the test itself keeps no reference to it. A test reads::

    await keeper.drain(5)
    loop_errors.expect_no_loop_errors(during="spawning tasks that fail")
"""

from __future__ import annotations

import asyncio
import gc

from .expect import fail
from .translate import learner_where

NEVER_RETRIEVED = (
    "a task ended with {error} and nobody ever looked at its exception: when the task "
    'object was thrown away, asyncio logged "Task exception was never retrieved". In a '
    "real program that error is silently lost.\n"
    "Whoever owns a task must retrieve how it ended: `await task`, `task.result()` or "
    "`task.exception()` (in a done-callback, check `task.cancelled()` first)."
)
DESTROYED_PENDING = (
    'a task was garbage-collected while it was still running (asyncio logged "Task was '
    'destroyed but it is pending!"): its work silently stopped half-way. The event loop '
    "keeps only *weak* references to tasks, so a task nobody else references can vanish "
    "at any moment.\n"
    "Keep a strong reference to every task until it ends, for example in a set, and "
    "remove it in a done-callback: `tasks.add(task); task.add_done_callback(tasks.discard)`."
)
CALLBACK_RAISED = (
    "a callback run by the event loop raised {error}{where}. asyncio only logs such "
    'errors ("Exception in callback ..."), so whatever the callback had left to do '
    "never happened."
)
CANCELLED_IN_CALLBACK = (
    "\n`task.exception()` and `task.result()` raise CancelledError when the task was "
    "cancelled: check `task.cancelled()` before calling them."
)


def loop_errors(*, collect: bool = True) -> list[dict]:
    """The exception-handler contexts the running loop recorded so far (after a garbage
    collection, unless ``collect`` is false)."""
    if collect:
        gc.collect()
    loop = asyncio.get_running_loop()
    stats = getattr(loop, "stats", None)
    return list(stats.errors) if stats is not None else []


def _error_text(error: BaseException | None) -> str:
    if error is None:
        return "an error"
    detail = str(error)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def describe(context: dict) -> str:
    """One loop error, in a learner's words."""
    message = str(context.get("message", ""))
    error = context.get("exception")
    if "never retrieved" in message:
        return NEVER_RETRIEVED.format(error=_error_text(error))
    if "destroyed but it is pending" in message:
        return DESTROYED_PENDING
    if message.startswith("Exception in callback"):
        learner_file = getattr(asyncio._get_running_loop(), "learner_file", None)
        where = learner_where(error, learner_file) if error is not None else None
        text = CALLBACK_RAISED.format(
            error=_error_text(error), where=f" at {where}" if where else ""
        )
        if isinstance(error, asyncio.CancelledError):
            text += CANCELLED_IN_CALLBACK
        return text
    return f"asyncio reported: {message}" + (f" ({_error_text(error)})" if error else "")


def expect_no_loop_errors(*, during: str, hint: str | None = None) -> None:
    """Fail if asyncio logged any error through the loop's exception handler so far."""
    errors = loop_errors()
    if errors:
        fail(f"while {during}, " + describe(errors[0]), hint)
