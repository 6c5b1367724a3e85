"""The virtual-time event loop: the mock clock every hidden test runs on.

When every task is waiting and only timers can wake them, the clock jumps straight to
the next timer. Timing verdicts are then exact (``elapsed == 3.0``) and independent of
machine load, and a kata that "takes" an hour grades in milliseconds. The same loop:

- follows the real clock while something outside it can wake it (a thread or an
  executor job, a socket, a pipe, a subprocess);
- fails at once on a deadlock (all tasks waiting, nothing able to wake them), naming
  what each task waits on;
- enforces a virtual-time budget, a real-time budget and a cap on loop iterations
  at one virtual instant (a busy ``await asyncio.sleep(0)`` loop), raising the
  failure *out of* the loop, never inside a callback where asyncio would swallow it;
- measures the CPU time of every step, so a coroutine that blocks the loop is caught
  (the watchdog names its file and line).

``realtime=True`` keeps all of that but uses the real clock: the [IO] katas.
"""

from __future__ import annotations

import asyncio
import threading
import time
import types
import weakref
from dataclasses import dataclass, field

from . import diagnose, guard
from .errors import BusyLoop, Deadlock, LoopBlocked, RealTimeLimit, VirtualTimeLimit
from .watchdog import Watchdog

#: Longest real wait in one select() while something external may wake the loop, so
#: limits are noticed promptly.
POLL = 0.05


@dataclass(frozen=True)
class Limits:
    """Per-test budgets (a test can change them with ``@pytest.mark.limits(...)``)."""

    virtual: float = 3600.0  # virtual seconds a test may simulate
    real: float = 5.0  # real seconds a test's loop may run
    instant_steps: int = 50_000  # loop iterations without the clock moving
    block: float = 0.05  # CPU seconds one step of learner code may take


@dataclass
class BlockedStep:
    cpu: float
    where: diagnose.Where | None

    def describe(self) -> str:
        place = f" at {self.where}" if self.where else ""
        return f"one step ran for {self.cpu * 1000:.0f} ms without awaiting{place}"


@dataclass
class BlockingCall:
    function: str
    where: diagnose.Where | None


@dataclass
class LoopStats:
    steps: int = 0  # callbacks run (task steps, future callbacks)
    iterations: int = 0  # passes of the loop
    max_step_cpu: float = 0.0
    blocked: list[BlockedStep] = field(default_factory=list)
    blocking_calls: list[BlockingCall] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # exception-handler contexts


class _MeasuredHandle(asyncio.Handle):
    """A ready callback whose run is timed, so the loop knows when a step blocked."""

    __slots__ = ()

    def _run(self):
        loop = self._loop
        loop._step_begin(self)
        try:
            super()._run()
        finally:
            loop._step_end()
            # As asyncio's own Handle._run does: a traceback that keeps this frame must
            # not keep the handle (and through it the task) alive, or "Task exception
            # was never retrieved" is never logged.
            self = loop = None


class _Fixed:
    """A loop method kata code cannot replace on the instance: a data descriptor, so an
    assignment (or a write to the instance ``__dict__``) never shadows it. An attempt
    is refused and recorded (graders.guard), which voids the kata."""

    __slots__ = ("function", "name")

    def __init__(self, function, name: str):
        self.function = function
        self.name = name

    def __get__(self, loop, owner=None):
        if loop is None:
            return self.function
        return types.MethodType(self.function, loop)

    def __set__(self, loop, value):
        guard.attempted(f"the event loop's {self.name}()")
        raise AttributeError(
            f"the event loop's {self.name}() belongs to the grader (every timing check "
            "reads its clock): kata code must not replace it."
        )

    def __delete__(self, loop):
        self.__set__(loop, None)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(
        self,
        limits: Limits = Limits(),
        *,
        realtime: bool = False,
        learner_file: str | None = None,
    ):
        super().__init__()
        self.limits = limits
        self.realtime = realtime
        self.learner_file = learner_file
        self.stats = LoopStats()
        self._vt = 0.0
        self._instant = 0.0
        self._instant_iterations = 0
        self._real_start = time.perf_counter()
        self._executor_futures: weakref.WeakSet = weakref.WeakSet()
        # Threads already running when the test began (the main thread, pytest-timeout's
        # timer) cannot be the learner's; any thread started later may wake the loop.
        self._baseline_threads = frozenset(threading.enumerate())
        self._fatal: BaseException | None = None
        self._doomed = 0  # iterations since a limit fired; teardown then winds down
        self._doomed_at = 0.0
        self._step_started: float | None = None
        self._step_cpu = 0.0
        self._step_sample: diagnose.Where | None = None
        self._step_in_learner = False
        self._raw_select = self._selector.select
        self._selector.select = self._select
        self.set_exception_handler(self._record_error)
        self.watchdog = Watchdog(self)
        self.watchdog.start()

    # -- the clock ------------------------------------------------------------------
    def _clock(self) -> float:
        if self.realtime:
            return time.monotonic()
        return self._vt

    # The clock every timing verdict reads, and the two ways to set a timer on it:
    # kata code cannot shadow them on the instance (`loop.time = lambda: ...`).
    time = _Fixed(_clock, "time")
    call_at = _Fixed(asyncio.BaseEventLoop.call_at, "call_at")
    call_later = _Fixed(asyncio.BaseEventLoop.call_later, "call_later")

    @property
    def real_elapsed(self) -> float:
        return time.perf_counter() - self._real_start

    def close(self):
        self.watchdog.stop()
        super().close()

    # -- steps ----------------------------------------------------------------------
    def _call_soon(self, callback, args, context):
        handle = _MeasuredHandle(callback, args, self, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        self._ready.append(handle)
        return handle

    def _step_begin(self, handle) -> None:
        self._step_sample = None
        self._step_in_learner = False
        self._step_cpu = time.thread_time()
        self._step_started = time.perf_counter()

    def _step_end(self) -> None:
        self._step_started = None
        cpu = time.thread_time() - self._step_cpu
        stats = self.stats
        stats.steps += 1
        if cpu > stats.max_step_cpu:
            stats.max_step_cpu = cpu
        if cpu > self.limits.block and self._step_in_learner:
            stats.blocked.append(BlockedStep(cpu, self._step_sample))

    def note_sample(self, where: diagnose.Where | None, in_learner: bool) -> None:
        """Called by the watchdog with what a long step was doing."""
        if self._step_sample is None or in_learner:
            self._step_sample = where
        self._step_in_learner = self._step_in_learner or in_learner

    # -- executors: outstanding jobs keep the loop on the real clock -------------------
    def run_in_executor(self, executor, func, *args):
        future = super().run_in_executor(executor, func, *args)
        self._executor_futures.add(future)
        return future

    # -- errors nobody retrieved ---------------------------------------------------------
    def _record_error(self, loop, context) -> None:
        self.stats.errors.append(context)

    # -- the heart: deciding what "waiting" means ----------------------------------------
    def _select(self, timeout):
        self.stats.iterations += 1
        self._check_limits()
        if self.realtime:
            return self._raw_select(POLL if timeout is None else min(timeout, POLL))
        ready = self._raw_select(0)
        if ready or timeout == 0:
            self._count_instant()
            return ready
        if self._external_wakers():
            return self._follow_real_clock(timeout)
        # A thread may have woken the loop and ended between the two looks above (e.g.
        # the one in shutdown_default_executor): what it wrote is there now.
        ready = self._raw_select(0)
        if ready:
            self._count_instant()
            return ready
        if timeout is None:
            self._fail(Deadlock(self._deadlock_message()))
            return []
        self._advance_to_next_timer()
        return []

    def _count_instant(self) -> None:
        if self._vt != self._instant:
            self._instant = self._vt
            self._instant_iterations = 0
        self._instant_iterations += 1
        if self._instant_iterations > self.limits.instant_steps:
            self._fail(BusyLoop(self._busy_message()))

    def _follow_real_clock(self, timeout):
        wait = POLL if timeout is None else min(timeout, POLL)
        start = time.perf_counter()
        ready = self._raw_select(wait)
        waited = time.perf_counter() - start
        if timeout is not None and not ready and waited >= timeout:
            self._advance_to_next_timer()
        else:
            self._vt += waited if timeout is None else min(waited, timeout)
        return ready

    def _advance_to_next_timer(self) -> None:
        when = self._scheduled[0]._when if self._scheduled else self._vt
        if when > self.limits.virtual:
            self._fail(VirtualTimeLimit(self._virtual_limit_message()))
            return
        if when > self._vt:
            self._vt = when

    def _external_wakers(self) -> bool:
        """Is there anything outside the loop that may still wake it up?"""
        if len(self._selector.get_map()) > 1:  # more than the loop's own self-pipe
            return True
        if any(not f.done() for f in self._executor_futures):
            return True
        for thread in threading.enumerate():
            if thread in self._baseline_threads or thread is self.watchdog:
                continue
            if thread.name.startswith(("asyncio_", "graders-")):
                continue  # idle pool workers; busy ones are covered by the futures
            return True
        return False

    # -- limits, raised outside every callback -------------------------------------------
    def _check_limits(self) -> None:
        if self._doomed:
            # A limit already ended the test; pytest-asyncio's teardown still runs the
            # loop to cancel what is left. Give it a moment, then stop it for good.
            self._doomed += 1
            if self._doomed > 1000 or time.perf_counter() - self._doomed_at > 0.5:
                self.stop()
            return
        if self._fatal is not None:
            error, self._fatal = self._fatal, None
            self._fail(error)
        elif self.real_elapsed > self.limits.real:
            self._fail(RealTimeLimit(self._real_limit_message()))

    def _fail(self, error: BaseException) -> None:
        if self._doomed:
            self.stop()
            return
        self._doomed = 1
        self._doomed_at = time.perf_counter()
        raise error

    def request_stop(self, error: BaseException) -> None:
        """From the watchdog thread: end the test at the next chance."""
        if self._fatal is None and not self._doomed:
            self._fatal = error
        self._write_to_self()

    def check_blocking(self) -> None:
        """Raise LoopBlocked if learner code blocked the loop (called after the test)."""
        if self.stats.blocking_calls:
            call = self.stats.blocking_calls[0]
            place = f" at {call.where}" if call.where else ""
            raise LoopBlocked(
                f"your code called {call.function}{place} inside a coroutine. It blocks "
                "the whole event loop: no other task can run until it returns.\n"
                + _blocking_advice(call.function)
            )
        if self.stats.blocked:
            worst = max(self.stats.blocked, key=lambda b: b.cpu)
            raise LoopBlocked(
                f"the event loop was blocked: {worst.describe()} (the limit is "
                f"{self.limits.block * 1000:.0f} ms). While one step runs, no other task "
                "can.\nhint: break long work into pieces with `await asyncio.sleep(0)` "
                "between them, or move it off the loop with `await asyncio.to_thread(...)`."
            )

    # -- messages -----------------------------------------------------------------------
    def _task_lines(self) -> str:
        lines = diagnose.describe_tasks(self, self.learner_file)
        return "".join(f"\n  - {line}" for line in lines) or "\n  (no tasks)"

    def _deadlock_message(self) -> str:
        return (
            f"deadlock at {self._vt:g}s (virtual): every task is waiting and nothing "
            "(no timer, thread or I/O) can ever wake them up:"
            + self._task_lines()
            + "\nhint: look for an Event never set, a Queue nobody puts into, a lock "
            "taken twice, or a task awaiting itself."
        )

    def _cancel_hint(self) -> str:
        if diagnose.swallowing_tasks(self):
            return (
                "\nA task was cancelled but kept running: is CancelledError being "
                "caught and ignored (`except asyncio.CancelledError`, `except "
                "BaseException` or a bare `except:`)? Re-raise it."
            )
        return ""

    def _virtual_limit_message(self) -> str:
        return (
            f"still running after {self.limits.virtual:g} virtual seconds: is "
            "CancelledError being swallowed, or a loop waiting for something that "
            "never happens?" + self._cancel_hint() + "\nTasks still running:" + self._task_lines()
        )

    def _busy_message(self) -> str:
        return (
            f"busy loop: the event loop went round {self.limits.instant_steps:,} times "
            f"at {self._vt:g}s without time moving. A `while` loop around "
            "`await asyncio.sleep(0)` (or a swallowed CancelledError) spins forever "
            "instead of waiting."
            + self._cancel_hint()
            + "\nTasks still running:"
            + self._task_lines()
            + "\nhint: wait on something that wakes you (an Event, a Queue, a "
            "Condition, a real sleep) instead of polling."
        )

    def _real_limit_message(self) -> str:
        clock = "" if self.realtime else f" (virtual time reached {self._vt:g}s)"
        busy = ""
        if not self.realtime and self._instant_iterations > 1000:
            busy = (
                f"\nIt looks like a busy loop: the event loop went round "
                f"{self._instant_iterations:,} times at {self._vt:g}s without time moving. "
                "Wait on something that wakes you (an Event, a Queue, a real sleep) "
                "instead of polling with `await asyncio.sleep(0)`."
            )
        return (
            f"time limit: still running after {self.limits.real:g}s of real time"
            f"{clock}." + busy + self._cancel_hint() + "\nTasks still running:" + self._task_lines()
        )


def _blocking_advice(function: str) -> str:
    if "sleep" in function:
        return "hint: use `await asyncio.sleep(...)`, which lets other tasks run meanwhile."
    return (
        "hint: use the asyncio version of the call, or run it in a thread with "
        "`await asyncio.to_thread(...)`."
    )
