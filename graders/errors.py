"""The exceptions a grade can end in, each carrying a message written for a learner.

They are ordinary ``Exception`` subclasses on purpose: pytest reports them as test
failures, and asyncio delivers them like any other error, so a test fails with the
message below instead of a wall of traceback.
"""


class KataFailure(AssertionError):
    """The learner's code did not behave as the kata asks (raised by `graders.expect`).

    A timing check also attaches its timeline as data (``chart``, a
    `graders.timing_chart.Chart`), for the HTML report; the message stays the same."""

    def __init__(self, *args, chart=None):
        super().__init__(*args)
        self.chart = chart


class KataLoadError(Exception):
    """kata.py could not be used at all: syntax error, import crash, missing or wrong name."""


class NotStarted(Exception):
    """The stub still raises NotImplementedError: the kata has not been attempted."""


class LoopLimit(Exception):
    """The event loop stopped the test: deadlock, time budget, busy loop or blocked loop."""


class Deadlock(LoopLimit):
    pass


class VirtualTimeLimit(LoopLimit):
    pass


class RealTimeLimit(LoopLimit):
    pass


class BusyLoop(LoopLimit):
    pass


class LoopBlocked(LoopLimit):
    pass


class Interrupted(BaseException):
    """Raised inside a runaway step by the watchdog; a BaseException so `except Exception`
    in learner code does not catch it. The loop then reports the real reason."""
