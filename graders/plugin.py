"""The pytest plugin every hidden test runs under.

- Through pytest-asyncio's ``pytest_asyncio_loop_factories`` hook, every async test
  gets a fresh `VirtualTimeLoop` with that test's limits.
- The ``kata`` fixture is the learner's kata.py, loaded afresh for each test.
- Blocking calls in the learner's code are caught by blockbuster; long steps by the
  loop itself; coroutines never awaited by a warnings check.
- Each test's outcome, points and teaching message go to the results channel, with
  the timeline a timing check attached to its failure, as data (for the HTML report).
- Kata code runs in this process, so: records are signed and only pytest's own hooks
  may write them (graders.channel, guard.write_gate); the grader is sealed and checked
  after every stretch of kata code (graders.guard: any change voids the kata); a test
  that leaves a task, thread or process running fails (graders.leftovers).
- ``--kata-shard K/N``: the job runs only its share of the tests, when the runner splits
  a slow kata across jobs (kata.toml ``shards``).

Markers: ``points(n)`` (integer points, default 1), ``limits(real=, virtual=, block=,
instant_steps=)``, ``realtime`` (the [IO] katas: the loop keeps the real clock).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import re
import sys
import threading
import time
import warnings

import pytest

from . import channel, guard, leftovers, loader, translate
from .catalog import load_kata
from .clock import BlockingCall, Limits, VirtualTimeLoop
from .errors import KataFailure, KataLoadError, LoopBlocked, LoopLimit
from .watchdog import install_interrupt_handler

#: Seconds kata.py may take to import before the kata is abandoned.
IMPORT_LIMIT = 5.0
#: Extra real seconds pytest-timeout allows past a test's own limit: the last resort.
HARD_MARGIN = 5.0
IO_REAL_LIMIT = 30.0


class _State:
    """What the plugin knows about the kata being graded (one kata per process)."""

    def __init__(self, config: pytest.Config):
        self.impl = os.path.abspath(config.getoption("kata_impl"))
        self.kata_dir = os.path.abspath(config.getoption("kata_dir"))
        results = config.getoption("kata_results")
        # The per-job secret that signs every record (graders.channel): held by the
        # writer alone, and only pytest's own hooks may write (graders.guard).
        key = config.getoption("kata_key")
        config.option.kata_key = None
        self.channel = (
            channel.Writer(results, bytes.fromhex(key) if key else None, _write_gate())
            if results
            else None
        )
        self.kata = load_kata(__import__("pathlib").Path(self.kata_dir))
        self.load_error: KataLoadError | None = None
        self.loops: dict[str, VirtualTimeLoop] = {}
        self.outcomes: dict[str, dict] = {}
        self.baselines: dict[str, leftovers.Baseline] = {}
        self.current: str | None = None
        self.import_thread: threading.Thread | None = None
        self._sealed = True

    def __setattr__(self, name, value):
        # Kata code can reach this object (graders.plugin._state): it may not swap the
        # writer, the outcomes or the file being graded.
        if getattr(self, "_sealed", False) and not (
            name in ("current", "load_error")
            or (name == "import_thread" and self.import_thread is None)
        ):
            guard.attempted(f"graders.plugin._state.{name}")
            raise AttributeError("the grader's state belongs to the grader.")
        object.__setattr__(self, name, value)

    def write(self, record: dict) -> None:
        if self.channel is not None:
            self.channel.write(record)

    def allowed(self) -> None:
        """Refuse (and record) a call of the calling hook not made by pytest itself."""
        if self.channel is not None:
            self.channel.allowed()


_state: _State | None = None
_guard: guard.Guard | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graders", "asyncio-katas grading")
    group.addoption("--kata-impl", help="the kata.py to grade")
    group.addoption("--kata-dir", help="the kata folder (kata.toml, .tests/)")
    group.addoption("--kata-results", help="file to append result records to")
    group.addoption(
        "--kata-shard", help="K/N: run only the tests at positions K, K+N, K+2N... (from 0)"
    )
    group.addoption("--kata-key", help="hex secret that signs the records (from the runner)")


def pytest_configure(config: pytest.Config) -> None:
    global _state
    config.addinivalue_line("markers", "points(n): integer points the test is worth")
    config.addinivalue_line("markers", "limits(**kw): per-test budgets (see graders.clock.Limits)")
    config.addinivalue_line("markers", "realtime: run on the real clock ([IO] katas)")
    if config.getoption("kata_impl") and config.getoption("kata_dir"):
        _state = _State(config)
        install_interrupt_handler()
        _patch_blockbuster()


# -- loops -------------------------------------------------------------------------------
def limits_for(item: pytest.Item) -> Limits:
    realtime = item.get_closest_marker("realtime") is not None
    base = Limits(real=IO_REAL_LIMIT) if realtime else Limits()
    marker = item.get_closest_marker("limits")
    return dataclasses.replace(base, **marker.kwargs) if marker else base


@pytest.hookimpl
def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item):
    def make_loop() -> VirtualTimeLoop:
        loop = VirtualTimeLoop(
            limits_for(item),
            realtime=item.get_closest_marker("realtime") is not None,
            learner_file=_state.impl if _state else None,
        )
        if _state is not None:
            _state.loops[item.nodeid] = loop
        return loop

    return {"virtual": make_loop}


# -- the learner's module ------------------------------------------------------------------
@pytest.fixture
def kata():
    """The learner's kata.py, freshly imported for this test."""
    if _state is None:
        pytest.skip("graders plugin not configured with --kata-impl/--kata-dir")
    if _state.load_error is not None:
        raise _state.load_error
    return loader.load(_state.impl, _state.kata.api)


def _first_import() -> None:
    """Import kata.py once before any test, with a time limit, so an import that hangs or
    crashes is reported once for the kata instead of once per test."""
    done = threading.Event()

    def give_up():
        if not done.wait(IMPORT_LIMIT):
            _state.write(
                {
                    "type": "kata_error",
                    "message": f"kata.py did not finish importing within {IMPORT_LIMIT:g}s. "
                    "Code at the top level of kata.py runs on import: is there a loop or a "
                    "blocking call outside any function?",
                }
            )
            os._exit(3)

    timer = threading.Thread(target=give_up, daemon=True, name="graders-import")
    _state.import_thread = timer  # the one thread besides pytest's hooks that may write
    timer.start()
    try:
        loader.load(_state.impl, _state.kata.api)
    except KataLoadError as exc:
        _state.load_error = exc
    finally:
        done.set()


# -- collection ----------------------------------------------------------------------------
def points_of(item: pytest.Item) -> int:
    marker = item.get_closest_marker("points")
    return int(marker.args[0]) if marker else 1


@pytest.hookimpl(tryfirst=True)  # before --deselect: positions count every test
def pytest_collection_modifyitems(config, items) -> None:
    for position, item in enumerate(items):
        limit = limits_for(item).real + HARD_MARGIN
        item.add_marker(pytest.mark.timeout(limit, method="thread"))
        _positions[item.nodeid] = position
    shard = config.getoption("kata_shard")
    if shard:  # the runner split a slow kata across jobs: this one runs its share
        k, n = (int(part) for part in shard.split("/"))
        dropped = [item for position, item in enumerate(items) if position % n != k]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for position, item in enumerate(items) if position % n == k]


#: Each test's position among all the kata's tests (the runner orders shards' results).
_positions: dict[str, int] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    if _state is None:
        return
    _state.write(
        {
            "type": "collected",
            "tests": [
                {
                    "name": i.name,
                    "nodeid": i.nodeid,
                    "points": points_of(i),
                    "limit": limits_for(i).real + HARD_MARGIN,
                    "position": _positions.get(i.nodeid, 0),
                }
                for i in session.items
            ],
        }
    )
    if session.items:
        # From here on kata code runs in this process: seal and snapshot the grader
        # first, and check it after every stretch of kata code (graders.guard).
        global _guard
        modules = {i.module: 0 for i in session.items if hasattr(i, "module")}
        _guard = guard.install(_state.impl, list(modules))
        _guard.take()  # with `_guard` itself set
        _first_import()
        _checkpoint()
    # pytest's own objects (config, plugins, collected items) live as long as this job:
    # the gc.collect() after each test need not walk them every time.
    gc.freeze()


# -- running -------------------------------------------------------------------------------
def pytest_runtest_logstart(nodeid, location) -> None:
    if _state is not None:
        _state.current = nodeid
        _state.baselines[nodeid] = leftovers.Baseline()
        _state.write({"type": "start", "nodeid": nodeid, "time": time.time()})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if _state is None:
        return (yield)
    buster = _blockbuster_for(_state.impl)
    # Garbage left by the previous test (a failed test's traceback keeps its coroutines
    # alive until collected) must warn outside this test's window, not inside it.
    gc.collect()
    _checkpoint()  # kata.py was just imported again (the `kata` fixture)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if buster is not None:
            buster.activate()
        restore = _virtual_asyncio_run(item)
        try:
            result = yield
            error = None
        except BaseException as exc:
            error = exc
        finally:
            restore()
            if buster is not None:
                buster.deactivate()
        gc.collect()
    if error is None:
        left = leftovers.tasks(_state.loops.get(item.nodeid), _state.impl)
        if left is not None:
            error = KataFailure(left)
    root_cause = _never_awaited(caught) or _blocked(item)
    if (
        isinstance(root_cause, _Failure)
        and isinstance(error, Exception)
        and not isinstance(error, KataFailure)
        and translate.raised_by_learner(error, _state.impl)
    ):
        # The learner's own error (asyncio.run() inside a loop, say) is why a coroutine
        # was dropped: it explains more than the dropped coroutine does.
        root_cause = None
    if root_cause is not None and isinstance(error, KataFailure):
        # Keep the test's own verdict too: it may be what led to the dropped coroutine.
        root_cause = type(root_cause)(f"{root_cause}\n\nThe test also found: {error}")
    if root_cause is not None and not isinstance(
        error, (MemoryError, LoopLimit, NotImplementedError)
    ):
        raise root_cause from error
    if error is not None:
        raise error
    return result


def _checkpoint() -> None:
    """If kata code changed the grader (graders.guard), void the kata and end the job."""
    problems = _guard.problems() if _guard is not None else []
    if problems:
        _state.write({"type": "tampered", "message": guard.message(problems)})
        os._exit(0)


def _write_gate():
    return guard.write_gate(
        hooks=[
            pytest_collection_finish,
            pytest_runtest_logstart,
            pytest_runtest_call,
            pytest_runtest_makereport,
            pytest_runtest_logfinish,
            pytest_keyboard_interrupt,
            pytest_sessionfinish,
        ],
        helpers=[_State.write, _State.allowed, _checkpoint],
        threads=lambda: (_state.import_thread,) if _state is not None else (),
    )


def _virtual_asyncio_run(item: pytest.Item):
    """In a synchronous test, make ``asyncio.run()`` (the learner's, or the test's) use a
    VirtualTimeLoop too, so deadlocks and runaway loops there are caught the same way.
    Returns a function that undoes it."""
    if asyncio.iscoroutinefunction(getattr(item, "obj", None)):
        return lambda: None
    if item.get_closest_marker("realtime") is not None:
        return lambda: None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            previous = asyncio.get_event_loop_policy()
            base = asyncio.DefaultEventLoopPolicy
        except AttributeError:  # a Python without event loop policies
            return lambda: None

        class VirtualPolicy(base):
            def new_event_loop(self):
                if threading.current_thread() is not threading.main_thread():
                    return super().new_event_loop()  # a learner's loop in a thread: real
                loop = VirtualTimeLoop(limits_for(item), learner_file=_state.impl)
                _state.loops.setdefault(item.nodeid, loop)
                return loop

        asyncio.set_event_loop_policy(VirtualPolicy())

    def restore():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.set_event_loop_policy(previous)

    return restore


def _never_awaited(caught) -> Exception | None:
    for w in caught:
        text = str(w.message)
        match = re.search(r"coroutine '([^']+)' was never awaited", text)
        if match and issubclass(w.category, RuntimeWarning):
            name = match.group(1)
            if name.endswith(".__call__"):
                name = name[: -len(".__call__")]
            return _Failure(translate.NEVER_AWAITED.format(name=name.split(".")[-1]))
    return None


def _blocked(item) -> Exception | None:
    loop = _state.loops.get(item.nodeid)
    if loop is None:
        return None
    try:
        loop.check_blocking()
    except LoopBlocked as exc:
        return exc
    return None


class _Failure(AssertionError):
    pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if _state is None:
        return report
    outcome = _state.outcomes.setdefault(item.nodeid, {"status": "pass", "message": ""})
    before = outcome["status"]
    if report.skipped:
        if outcome["status"] == "pass":
            outcome.update(status="skip", message=_skip_reason(report))
    elif report.failed and outcome["status"] in ("pass", "skip"):
        exc = call.excinfo.value if call.excinfo else None
        if exc is None:
            outcome.update(status="error", message=str(report.longrepr))
        else:
            status, message = translate.explain(exc, _state.impl, _state.kata_dir)
            if report.when != "call" and status == "fail" and not isinstance(exc, KataLoadError):
                status = "fail" if report.when == "teardown" else "error"
            outcome.update(status=status, message=message + _logged_errors(item, message))
            chart = _chart_of(exc)
            if chart is not None:
                outcome["chart"] = chart.to_json()
    if outcome["status"] != before:
        # Written now, so kata code that runs later (in teardown) cannot soften it by
        # editing the outcome: the runner keeps the worst verdict for a test.
        _state.write({"type": "verdict", "nodeid": item.nodeid, **outcome})
    return report


def _chart_of(exc: BaseException):
    """The timeline a timing check attached to the failure (for the HTML report), also
    when a root cause found afterwards (a coroutine never awaited) was raised from it."""
    for candidate in (exc, exc.__cause__):
        if isinstance(candidate, KataFailure) and candidate.chart is not None:
            return candidate.chart
    return None


def _logged_errors(item: pytest.Item, message: str) -> str:
    """What asyncio only logged during a failed test (a task exception never retrieved,
    a task destroyed while pending): often the real reason the test failed, and
    otherwise invisible. Added to the message only; it never changes a verdict."""
    loop = _state.loops.get(item.nodeid)
    errors = getattr(getattr(loop, "stats", None), "errors", None)
    if not errors:
        return ""
    from . import loop_errors

    seen: list[str] = []
    for context in errors:
        text = loop_errors.describe(context)
        if text and text not in seen and text not in message:
            seen.append(text)
    if not seen:
        return ""
    return "\n\nasyncio also logged, during this test:\n" + "\n".join(
        "- " + text.replace("\n", "\n  ") for text in seen[:3]
    )


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logfinish(nodeid, location) -> None:
    if _state is None:
        return
    _state.allowed()  # kata code calling this hook itself is refused before any work
    _state.current = None
    loop = _state.loops.pop(nodeid, None)
    outcome = _state.outcomes.pop(nodeid, {"status": "error", "message": "the test did not run"})
    baseline = _state.baselines.pop(nodeid, None)
    left = baseline.left_behind(_state.impl) if baseline is not None else None
    if left and outcome["status"] == "pass":
        outcome = {"status": "fail", "message": left}
    if loop is not None and type(loop) is not VirtualTimeLoop:
        guard.attempted("the event loop's class")
    _checkpoint()
    _state.write(
        {
            "type": "test",
            "nodeid": nodeid,
            **outcome,
            "virtual": loop.time() if loop and not loop.realtime else None,
        }
    )


def pytest_keyboard_interrupt(excinfo) -> None:
    if _state is not None and _state.current is not None:
        _state.write(
            {
                "type": "test",
                "nodeid": _state.current,
                "status": "error",
                "message": "your code raised KeyboardInterrupt. A kata must never "
                "interrupt the program that runs it.",
            }
        )
        _state.current = None


def pytest_sessionfinish(session, exitstatus) -> None:
    if _state is not None:
        _state.write({"type": "end", "exitstatus": int(exitstatus)})


# -- blockbuster ---------------------------------------------------------------------------
_buster_cache: dict[str, object] = {}


def _blockbuster_for(path: str):
    """blockbuster, watching only the learner's file: a blocking call made from kata.py
    (or anything it calls) inside the event loop is caught at the call."""
    if path in _buster_cache:
        return _buster_cache[path]
    try:
        import blockbuster
        from blockbuster.blockbuster import _ModulePaths
    except ImportError:  # pragma: no cover - a dependency; keep grading without it
        buster = None
    else:
        buster = blockbuster.BlockBuster(_ModulePaths([path]))
    _buster_cache[path] = buster
    return buster


def _patch_blockbuster() -> None:
    """Record every blocking call on the running loop, so catching blockbuster's error in
    the learner's code (``except Exception``) cannot hide it."""
    try:
        import blockbuster.blockbuster as bb
    except ImportError:  # pragma: no cover
        return
    original = bb.BlockingError

    class RecordedBlockingError(original):
        def __init__(self, func: str) -> None:
            super().__init__(func)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            if isinstance(loop, VirtualTimeLoop):
                from . import diagnose

                frames = diagnose.stack_frames(sys._getframe(1))
                loop.stats.blocking_calls.append(
                    BlockingCall(func, diagnose.pick(frames, loop.learner_file))
                )

    bb.BlockingError = RecordedBlockingError
