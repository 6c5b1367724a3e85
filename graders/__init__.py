"""asyncio-katas' grading engine.

Kata tests import their helpers from here::

    from graders import FakeService, EventLog, expect
"""

from . import expect
from .errors import KataFailure
from .fakes import Call, EventLog, FakeService, Recorder

__all__ = ["Call", "EventLog", "FakeService", "KataFailure", "Recorder", "expect"]
