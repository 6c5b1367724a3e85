"""Turn what went wrong in a test into words for a learner.

Classic asyncio mistakes get a plain explanation; any other exception is shown with the
line of kata.py it came from.
"""

from __future__ import annotations

import asyncio
import os
import traceback

from .diagnose import Where
from .errors import Interrupted, KataFailure, KataLoadError, LoopLimit, NotStarted

NEVER_AWAITED = (
    "{name} was called but never awaited. Calling an async function only creates a "
    "coroutine object; nothing runs until it is awaited.\n"
    "hint: write `await {name}(...)`, or wrap it in a task (asyncio.create_task, "
    "asyncio.gather, a TaskGroup) and await that."
)

_ADVICE = [
    (
        RuntimeError,
        "cannot be called from a running event loop",
        "asyncio.run() starts a new event loop, so it cannot be used inside a coroutine, "
        "where a loop is already running. Inside async code, simply `await` the coroutine.",
    ),
    (
        RuntimeError,
        "no running event loop",
        "an asyncio function that needs a running loop was called from plain synchronous "
        "code. Call it inside an `async def`, or start a loop with asyncio.run().",
    ),
    (
        RuntimeError,
        "attached to a different loop",
        "an asyncio object (Event, Lock, Queue, Future...) was created for one event "
        "loop and used in another. Create it inside the coroutine that uses it, not at "
        "import time.",
    ),
    (
        TypeError,
        "can't be used in 'await' expression",
        "`await` needs an awaitable (a coroutine, task or future). Did you await the "
        "result of a plain function, or await the same value twice?",
    ),
    (
        TypeError,
        "'coroutine' object",
        "a coroutine object was used as if it were its result. Add `await` where you "
        "call the async function.",
    ),
    (
        TypeError,
        "a coroutine was expected",
        "create_task() and run() take a coroutine, made by *calling* an async function: "
        "`asyncio.create_task(fetch(key))`, not `asyncio.create_task(fetch)`.",
    ),
    (
        RecursionError,
        "",
        "a function keeps calling itself without end.",
    ),
    (
        asyncio.InvalidStateError,
        "",
        "a future's result was set twice, or read before it was set.",
    ),
    # The grader's per-kata limits (graders.job): say which one, and what to try.
    (
        MemoryError,
        "",
        "the grader gives one kata 2 GiB of memory, and your code asked for more. Look "
        "for a list, string or buffer that grows without end, or one far bigger than the "
        "task needs.",
    ),
    *(
        (
            kind,
            fragment,
            "the grader limits how many processes and threads one kata may start, and "
            "your code hit that limit. Start only what the task needs, and wait for each "
            "to end.",
        )
        for kind, fragment in (
            (BlockingIOError, "Resource temporarily unavailable"),  # fork()
            (RuntimeError, "can't start new thread"),
        )
    ),
]


def learner_where(exc: BaseException, learner_file: str | None) -> Where | None:
    if not learner_file:
        return None
    target = os.path.normcase(os.path.abspath(learner_file))
    where = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if os.path.normcase(os.path.abspath(frame.f_code.co_filename)) == target:
            where = Where(frame.f_code.co_filename, line, frame.f_code.co_name)
    return where


def raised_by_learner(exc: BaseException, learner_file: str | None) -> bool:
    return learner_where(exc, learner_file) is not None


def not_started(exc: BaseException, learner_file: str | None, kata_dir: str | None) -> str:
    where = learner_where(exc, learner_file)
    name = f"`{where.function}`" if where else "this kata"
    readme = os.path.join(kata_dir, "README.md") if kata_dir else "the kata's README.md"
    return (
        f"not started yet: {name} still raises NotImplementedError.\n"
        f"Read {readme}, then replace the `raise NotImplementedError(...)` line in "
        f"kata.py with your code."
    )


def explain(
    exc: BaseException, learner_file: str | None, kata_dir: str | None = None
) -> tuple[str, str]:
    """(status, message) for an exception that ended a test."""
    limit = _in_chain(exc, LoopLimit)
    if limit is not None:
        # e.g. asyncio.run()'s cleanup failing after a deadlock hid the real reason
        exc = limit
    if isinstance(exc, (KataFailure, LoopLimit)):
        return "fail", str(exc)
    if isinstance(exc, KataLoadError):
        return "error", str(exc)
    if isinstance(exc, NotStarted):
        return "fail", str(exc)
    if isinstance(exc, NotImplementedError) and raised_by_learner(exc, learner_file):
        return "fail", not_started(exc, learner_file, kata_dir)
    if isinstance(exc, Interrupted):
        return "fail", "time limit: the test was interrupted while your code ran without awaiting."
    if isinstance(exc, AssertionError) and not raised_by_learner(exc, learner_file):
        return "fail", str(exc) or "a check failed"
    return "fail", describe_exception(exc, learner_file)


def _in_chain(exc: BaseException, kind: type) -> BaseException | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def describe_exception(exc: BaseException, learner_file: str | None) -> str:
    where = learner_where(exc, learner_file)
    text = f"your code raised {_exc_line(exc)}"
    if isinstance(exc, asyncio.CancelledError):
        text = (
            "a CancelledError reached the test, but nothing cancelled your function. "
            "Did something cancel a task it should have awaited, or raise "
            "CancelledError by hand?"
        )
    elif isinstance(exc, SystemExit):
        text = (
            "your code called sys.exit() (SystemExit). A kata must return or raise, "
            "never exit the interpreter."
        )
    elif isinstance(exc, BaseExceptionGroup):
        inner = "; ".join(_exc_line(e) for e in exc.exceptions[:5])
        text = (
            f"your code raised an exception group, {type(exc).__name__} ({inner}). A "
            "TaskGroup wraps "
            "errors in a group; this test expected the error itself."
        )
    if where:
        text += f"\n  at {where}"
    for kind, fragment, advice in _ADVICE:
        if isinstance(exc, kind) and fragment in str(exc):
            text += f"\n{advice}"
            break
    return text


def _exc_line(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
