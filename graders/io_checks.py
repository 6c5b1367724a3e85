"""Checks for the [IO] katas, which run on the real clock with real sockets on 127.0.0.1.

A learner's server or client may hang, leak a connection or never close; a test must
neither hang nor leave anything behind, and must say what went wrong in a learner's
words. These helpers:

- `within(awaitable, seconds, message=...)` awaits with a deadline; when the deadline
  passes it fails with ``message`` (a TimeoutError raised by the awaitable itself is
  left alone, so a kata that must raise TimeoutError can be checked with it).
- `resource_warnings()` is a context manager that collects the ResourceWarnings
  ("unclosed transport", "unclosed <socket ...>") raised inside it, after a garbage
  collection; `expect_no_resource_warnings` turns them into a failure. Other warnings
  are passed on, so the engine still sees a coroutine never awaited.
- `open_sockets()` lists the sockets of this process that are still open, and
  `expect_nothing_open(baseline)` waits (bounded) until no task but the test's own is
  pending and no socket opened since ``baseline`` is still open, then fails naming
  what is left.

A test reads::

    pytestmark = pytest.mark.realtime

    async def test_something(kata):
        baseline = io_checks.open_sockets()
        with io_checks.resource_warnings() as leaked:
            server = await io_checks.within(kata.start_echo_server(), 2.0, message="...")
            try:
                ...
            finally:
                ...  # close the test's own clients, then the server (bounded)
            await io_checks.expect_nothing_open(baseline, after="the server was closed")
        io_checks.expect_no_resource_warnings(leaked, during="...")
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import warnings
from collections.abc import Awaitable, Iterable, Iterator

from . import diagnose
from .expect import fail

#: Seconds `expect_nothing_open` waits for things to wind down before failing.
SETTLE = 2.0


async def within(awaitable: Awaitable, seconds: float, *, message: str, hint: str | None = None):
    """Await ``awaitable``; if it is still running after ``seconds`` (real time), cancel it
    and fail with ``message``."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            fail(message, hint)
        raise


@contextlib.contextmanager
def resource_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Collect the ResourceWarnings raised inside the block (the list is filled on exit,
    after ``gc.collect()``, so objects only reachable from cycles are found too)."""
    found: list[warnings.WarningMessage] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            yield found
        finally:
            gc.collect()
    for w in caught:
        if issubclass(w.category, ResourceWarning):
            found.append(w)
        else:  # not ours: hand it on (a coroutine never awaited must still be seen)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def expect_no_resource_warnings(
    found: Iterable[warnings.WarningMessage], *, during: str, hint: str | None = None
) -> None:
    found = list(found)
    if not found:
        return
    first = str(found[0].message)
    if len(first) > 200:
        first = first[:197] + "..."
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    fail(
        f"while {during}, Python warned: ResourceWarning: {first}{more}.\n"
        "A connection (transport, socket or StreamWriter) was thrown away while still open: "
        "it was never closed, so Python closed it when it collected the garbage. In a "
        "long-running program such leaks pile up until no file descriptor is left.",
        hint
        or "close every connection you open or accept, on every path: `writer.close()` "
        "then `await writer.wait_closed()`, in a `finally` block.",
    )


_FD_DIR = "/proc/self/fd"


def open_sockets() -> dict[object, object]:
    """The sockets of this process still open, as {key: fd or socket object}.

    On Linux, from /proc/self/fd (fast, and exact: a socket counts as long as its file
    descriptor is open, even if only garbage still holds it); elsewhere from the socket
    objects the garbage collector knows of."""
    if os.path.isdir(_FD_DIR):
        found: dict[object, object] = {}
        for name in os.listdir(_FD_DIR):
            try:
                link = os.readlink(f"{_FD_DIR}/{name}")
            except OSError:
                continue  # closed meanwhile (or the directory listing's own fd)
            if link.startswith("socket:"):
                found[link] = int(name)
        return found
    gc.collect()  # pragma: no cover - platforms without /proc
    return {  # pragma: no cover
        id(obj): obj
        for obj in gc.get_objects()
        if isinstance(obj, socket.socket) and obj.fileno() != -1
    }


def _key_of(sock: socket.socket) -> object:
    if os.path.isdir(_FD_DIR):
        try:
            return os.readlink(f"{_FD_DIR}/{sock.fileno()}")
        except OSError:
            return None
    return id(sock)  # pragma: no cover


def _describe_socket(handle) -> str:
    sock = handle
    if isinstance(handle, int):
        try:
            sock = socket.socket(fileno=os.dup(handle))
        except OSError:
            return f"a socket (file descriptor {handle})"
    try:
        try:
            host, port = sock.getsockname()[:2]
            local = f"{host}:{port}"
        except (OSError, TypeError, ValueError):
            local = "?"
        try:
            host, port = sock.getpeername()[:2]
            peer = f"{host}:{port}"
        except (OSError, TypeError, ValueError):
            peer = None
    finally:
        if sock is not handle:
            sock.close()
    if peer is None:
        return f"a socket on {local} (listening, or no longer connected)"
    return f"a connection {local} <-> {peer}"


def _loop_sockets(loop: asyncio.AbstractEventLoop) -> set:
    """The event loop's own sockets (its self-pipe), which are never a leak."""
    own = set()
    for name in ("_ssock", "_csock"):
        sock = getattr(loop, name, None)
        if sock is not None and sock.fileno() != -1:
            own.add(_key_of(sock))
    return own


def leftovers(
    baseline: dict, ignore_tasks: Iterable[asyncio.Task] = ()
) -> tuple[list[asyncio.Task], list]:
    """(tasks still pending, sockets opened since ``baseline`` still open)."""
    loop = asyncio.get_running_loop()
    skip = {asyncio.current_task(), *ignore_tasks}
    tasks = [t for t in asyncio.all_tasks() if t not in skip and not t.done()]
    own = _loop_sockets(loop)
    sockets = [s for key, s in open_sockets().items() if key not in baseline and key not in own]
    return tasks, sockets


async def expect_nothing_open(
    baseline: dict,
    *,
    after: str,
    tasks: bool = True,
    ignore_tasks: Iterable[asyncio.Task] = (),
    settle: float = SETTLE,
    hint: str | None = None,
) -> None:
    """Wait up to ``settle`` seconds until no task (but the test's own) is pending and no
    socket opened since ``baseline`` is open; else fail naming what is left. With
    ``tasks=False`` only sockets are checked (a server still running may keep tasks)."""
    loop = asyncio.get_running_loop()
    check_tasks = tasks
    ignore_tasks = list(ignore_tasks)
    end = loop.time() + settle
    while True:
        tasks, sockets = leftovers(baseline, ignore_tasks)
        if not check_tasks:
            tasks = []
        if not tasks and not sockets:
            return
        if loop.time() >= end:
            break
        await asyncio.sleep(0.05)
    learner_file = getattr(loop, "learner_file", None)
    lines = [diagnose.describe_task(t, learner_file) for t in tasks]
    lines += [f"{_describe_socket(s)} is still open" for s in sockets]
    fail(
        f"{settle:g} s after {after}, something was still running or open:\n"
        + "\n".join(f"  - {line}" for line in lines),
        hint
        or "when a connection ends, close its writer (`writer.close()`, then `await "
        "writer.wait_closed()`), and let every task you started finish.",
    )
