"""Each save of one file, seen once: what ``python -m graders watch`` waits on.

Editors save in many ways: in place, to a temporary file renamed over the original,
delete then create, or several writes in a burst. Some filesystems never deliver file
events at all (WSL2 with the files on the Windows side, some containers, network
drives). So:

- the file's *folder* is watched, not its inode, and only events naming the file itself
  count: swap and backup files (``*.swp``, ``*~``, ``.#*``, ``*.bak``), ``.tests/`` and
  ``__pycache__/`` never wake the watcher (sub-folders are not even watched);
- a save counts only when the file's content differs (by hash) from the last content
  handed out, so a burst of writes is one save, a save that changes nothing is none,
  and saves made while the caller was busy add up to one;
- beside the operating system's events (through ``watchfiles``), a cheap ``stat()``
  check runs every ``POLL_INTERVAL``: a change it sees that no event reports within
  ``GRACE`` seconds means events do not arrive here, and the watcher switches to
  reading the file every ``POLL_INTERVAL`` seconds, saying so once. ``poll=True``
  starts in that mode.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

#: Seconds between two looks at the file when polling, and between two stat() checks.
POLL_INTERVAL = 0.3
#: A save is complete once the file has stayed the same for this long (seconds).
QUIET = 0.05
#: A change stat() saw that no file event reported this long after: events do not arrive.
GRACE = 1.5
#: A file that never stops changing is read anyway after this long (seconds).
SETTLE_LIMIT = 2.0

#: ``native(folder, stop)``: sets of ``(change, path)`` events for the folder's direct
#: children, and an empty set now and then to show it is running; ends when ``stop`` is set.
NativeEvents = Callable[[Path, threading.Event], Iterable[set]]


def native_events(folder: Path, stop: threading.Event) -> Iterator[set]:
    """The operating system's file events for ``folder`` (not its sub-folders), through
    watchfiles: grouped until 50 ms pass without one, an empty set every 0.25 s."""
    import watchfiles  # here, so that a broken install only costs the file events

    yield from watchfiles.watch(
        folder,
        watch_filter=None,
        debounce=500,
        step=50,
        stop_event=stop,
        rust_timeout=250,
        yield_on_timeout=True,
        raise_interrupt=False,
        recursive=False,
    )


def digest(path: Path) -> str | None:
    """A hash of the file's content; None when there is no file to read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _signature(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Saves:
    """Iterate over the saves of ``path``: each step waits until the file's content
    differs from the last one seen and returns the new content's digest (None when the
    file is gone). Iteration ends when ``stop`` is set. The content current at creation
    is the starting point, so a save made while the caller grades it is not lost.

    ``notice(text)`` is called once if file events turn out not to arrive (or cannot be
    had at all); ``polling`` then becomes true.
    """

    def __init__(
        self,
        path: Path,
        *,
        poll: bool = False,
        native: NativeEvents = native_events,
        stop: threading.Event | None = None,
        notice: Callable[[str], None] = lambda text: None,
    ):
        self.path = Path(path)
        self.polling = poll
        self.digest = digest(self.path)
        self._stop = stop or threading.Event()
        self._notice = notice
        self._signature = _signature(self.path)
        self._suspect_since: float | None = None
        # Written by the event thread only; read here.
        self._events = 0
        self._seen = 0
        self._running = False
        self._failure = ""
        self._wake = threading.Event()
        self._native_stop = threading.Event()
        self._started = time.monotonic()
        self._thread = None
        if not poll:
            self._thread = threading.Thread(
                target=self._pump, args=(native,), name="graders-watch-events", daemon=True
            )
            self._thread.start()

    # -- the caller's side -----------------------------------------------------------
    def __iter__(self) -> Saves:
        return self

    def __next__(self) -> str | None:
        while not self._stop.is_set():
            if self.polling:
                new = self._settled(digest(self.path))
                if new != self.digest and not self._stop.is_set():
                    self.digest = new
                    return new
                self._stop.wait(POLL_INTERVAL)
                continue
            self._wake.wait(POLL_INTERVAL)
            self._wake.clear()
            if self._stop.is_set():
                break
            if self._failure:
                self._switch(f"file events are not available here ({self._failure})")
                continue
            new = self._check()
            if new is not _NOTHING and new != self.digest and not self._stop.is_set():
                self.digest = new
                return new
        raise StopIteration

    @property
    def events_live(self) -> bool:
        """The operating system's file events are being watched and the watcher runs."""
        return self._running and not self.polling

    @property
    def event_batches(self) -> int:
        """How many batches of file events named the file so far."""
        return self._events

    def close(self) -> None:
        self._native_stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> Saves:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- file events, and the stat() check beside them --------------------------------
    def _check(self):
        """The file's digest when it may have changed, ``_NOTHING`` when it has not."""
        events = self._events  # before stat(): an event after this is seen next time
        if events != self._seen:  # the events say the file changed
            self._seen = events
            self._suspect_since = None
            found = self._settled(digest(self.path))
            self._signature = _signature(self.path)
            return found
        signature = _signature(self.path)
        if signature == self._signature:
            self._suspect_since = None
            return _NOTHING
        if not self._ready():
            # Changed before the event watcher was set up: stat() alone decides.
            self._signature = signature
            return self._settled(digest(self.path))
        now = time.monotonic()
        if self._suspect_since is None:
            self._suspect_since = now
            return _NOTHING
        if now - self._suspect_since < GRACE:
            return _NOTHING
        self._switch("file events do not arrive here")
        return self._settled(digest(self.path))

    def _ready(self) -> bool:
        """The event watcher has shown it runs (or has had ample time to)."""
        return self._running or time.monotonic() - self._started > GRACE

    def _switch(self, why: str) -> None:
        self.polling = True
        self._native_stop.set()
        self._notice(
            f"{why} (as on WSL2 with the files on the Windows side, some containers, "
            f"network drives); polling every {POLL_INTERVAL:g} s instead. "
            "`--poll` starts that way."
        )

    def _settled(self, first: str | None) -> str | None:
        """``first``, or what the file becomes, once it stops changing: a save in
        progress is read whole. An empty or missing file is taken for a save half done
        (truncate then write, delete then create) for up to ``SETTLE_LIMIT`` seconds."""
        if first == self.digest:
            return first
        deadline = time.monotonic() + SETTLE_LIMIT
        while not self._stop.wait(QUIET):
            again = digest(self.path)
            if (again == first and again not in _HALF_DONE) or time.monotonic() > deadline:
                return again
            first = again
        return first

    def _pump(self, native: NativeEvents) -> None:
        name = self.path.name
        try:
            for changes in native(self.path.parent, self._native_stop):
                self._running = True
                if any(Path(changed).name == name for _, changed in changes):
                    self._events += 1
                    self._wake.set()
                if self._native_stop.is_set():
                    return
            if not self._native_stop.is_set():
                self._failure = "the file watcher stopped"
        except Exception as exc:  # no inotify, too many watches, a broken install...
            self._failure = str(exc) or type(exc).__name__
        self._wake.set()


_NOTHING = object()
#: What a save half done looks like: no file, or an empty one.
_HALF_DONE = (None, hashlib.sha256(b"").hexdigest())
