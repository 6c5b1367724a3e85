"""A thread beside each test loop that sees what the loop cannot see itself.

While one step runs, the loop is not in control: a CPU-bound coroutine never returns to
it. The watchdog samples the loop thread's stack during long steps (so a blocked loop
is reported with the learner's file and line) and, past the real-time budget,
interrupts the step so the loop can end the test with a clear message.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

from . import diagnose
from .errors import Interrupted, RealTimeLimit

if TYPE_CHECKING:
    from .clock import VirtualTimeLoop

TICK = 0.005
_INTERRUPT = getattr(signal, "SIGUSR1", None)
_active_loops: set = set()


def install_interrupt_handler() -> None:
    """In the grading process's main thread: let the watchdog interrupt a runaway step."""
    if _INTERRUPT is not None:
        signal.signal(_INTERRUPT, _on_interrupt)


def _on_interrupt(signum, frame):
    # Only interrupt learner code mid-step, never the loop's own bookkeeping.
    if any(loop._step_started is not None for loop in list(_active_loops)):
        raise Interrupted()


class Watchdog(threading.Thread):
    def __init__(self, loop: VirtualTimeLoop):
        super().__init__(name="graders-watchdog", daemon=True)
        self.loop = loop
        self._stopped = threading.Event()
        self._sampled_step: float | None = None
        self._interrupted = False

    def stop(self) -> None:
        self._stopped.set()
        _active_loops.discard(self.loop)

    def run(self) -> None:
        _active_loops.add(self.loop)
        while not self._stopped.wait(TICK):
            self._check()

    def _check(self) -> None:
        loop = self.loop
        started = loop._step_started
        if started is None:
            return
        running = time.perf_counter() - started
        thread_id = loop._thread_id
        if thread_id is None:
            return
        if running > loop.limits.block / 2 and self._sampled_step != started:
            self._sampled_step = started
            self._sample(thread_id)
        if loop.real_elapsed > loop.limits.real and not self._interrupted:
            self._interrupted = True
            where = self._sample(thread_id)
            place = f" at {where}" if where else ""
            loop.request_stop(
                RealTimeLimit(
                    f"time limit: one step of your code ran for {running:.1f}s "
                    f"without ever awaiting{place}. The event loop could not run "
                    "anything else meanwhile.\nhint: an endless loop? A loop that "
                    "never reaches an `await`? Add an await inside it, or end it."
                )
            )
            if _INTERRUPT is not None and thread_id == threading.main_thread().ident:
                # Python runs signal handlers in the main thread only.
                signal.pthread_kill(thread_id, _INTERRUPT)

    def _sample(self, thread_id: int) -> diagnose.Where | None:
        frame = sys._current_frames().get(thread_id)
        frames = diagnose.stack_frames(frame)
        learner = self.loop.learner_file
        where = diagnose.pick(frames, learner)
        self.loop.note_sample(where, diagnose.in_learner_code(frames, learner))
        return where
