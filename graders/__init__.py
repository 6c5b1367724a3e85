"""asyncio-katas' grading engine.

Kata tests import their helpers from here::

    from graders import FakeService, EventLog, expect

They are imported on first use (PEP 562), so the command line, which needs none of
them, starts without importing asyncio.
"""

import importlib

_EXPORTS = {
    "Call": "fakes",
    "EventLog": "fakes",
    "FakeService": "fakes",
    "Recorder": "fakes",
    "KataFailure": "errors",
}

__all__ = ["Call", "EventLog", "FakeService", "KataFailure", "Recorder", "expect"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name in ("errors", "expect", "fakes"):  # the submodules this once imported
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
