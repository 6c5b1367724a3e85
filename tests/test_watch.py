"""``python -m graders watch``: every save of kata.py is graded once, however the editor
writes it and whether or not the filesystem sends file events; a passing kata hands over
to the next one; Ctrl-C ends it cleanly.

Everything runs for real on a temporary copy of the probe kata (tests/fixture_katas),
twice over (katas 90 and 91), with the real file watcher. Waits are bounded and only
wait for something to happen; "exactly once" is checked with a sentinel: a last,
different save whose grade must come right after the one expected.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest

from graders import cli, saves
from graders.catalog import load_catalog
from graders.watch import CLEAR, Watch

from .conftest import FIXTURES

WAIT = 120  # seconds: the bound on every wait (grading takes about a second)
SOLUTION = (FIXTURES / "solutions/90_probe/kata.py").read_text()
WRONG = (FIXTURES / "solutions/90_probe/mistakes/wrong.py").read_text()


def version(n: int) -> str:
    """A wrong kata.py, different for each n."""
    return f"{WRONG}\n# version {n}\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    """katas/90_probe and katas/91_probe (a copy titled "Probe again"), both stubs."""
    shutil.copytree(FIXTURES / "katas/90_probe", tmp_path / "katas/90_probe")
    again = tmp_path / "katas/91_probe"
    shutil.copytree(FIXTURES / "katas/90_probe", again)
    toml = again / "kata.toml"
    toml.write_text(toml.read_text().replace("Probe (the engine's own test kata)", "Probe again"))
    return tmp_path


def kata_file(repo: Path, kata: str = "90_probe") -> Path:
    return repo / "katas" / kata / "kata.py"


def until(condition, what: str, timeout: float = WAIT, show=lambda: "", ended=lambda: "") -> None:
    """Wait for ``condition``; fail at once if ``ended()`` says the watcher is gone."""
    deadline = time.monotonic() + timeout
    while not condition():
        why = ended()
        if why or time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}: {why or 'time out'}\n{show()}")
        time.sleep(0.02)


# -- the change source on its own: graders.saves.Saves ---------------------------------


class Collected:
    """Iterate a Saves in a thread, keeping what it hands out."""

    def __init__(self, path: Path, **options):
        self.stop = threading.Event()
        self.notices: list[str] = []
        self.saves = saves.Saves(path, stop=self.stop, notice=self.notices.append, **options)
        self.digests: list[str | None] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for found in self.saves:
            self.digests.append(found)

    def wait(self, count: int) -> None:
        until(
            lambda: len(self.digests) >= count,
            f"{count} saves (got {self.digests})",
            ended=lambda: "" if self.thread.is_alive() else "the iterator ended",
        )

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.saves.close()
        assert not self.thread.is_alive(), "the saves iterator did not end when stopped"


@contextmanager
def collecting(path: Path, **options):
    collected = Collected(path, **options)
    try:
        if not options.get("poll") and "native" not in options:
            until(lambda: collected.saves.events_live, "the file watcher to start")
        yield collected
    finally:
        collected.close()


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return saves.digest(path)


def test_each_content_change_is_one_save_however_the_editor_writes(repo):
    path = kata_file(repo)
    with collecting(path) as seen:
        expected = [write(path, version(1))]  # in place
        seen.wait(1)
        for n in range(2, 7):  # a burst of writes: one save, of the last content
            path.write_text(version(n))
        expected.append(saves.digest(path))
        seen.wait(2)
        tmp = path.with_name("kata.py.tmp~")  # to a temporary file, renamed over kata.py
        tmp.write_text(version(7))
        os.replace(tmp, path)
        expected.append(saves.digest(path))
        seen.wait(3)
        path.unlink()  # delete, then create
        expected.append(write(path, version(8)))
        seen.wait(4)
        expected.append(write(path, version(9)))  # the sentinel: nothing came in between
        seen.wait(5)
        assert seen.digests == expected


def test_a_save_that_changes_nothing_is_not_a_save(repo):
    path = kata_file(repo)
    with collecting(path) as seen:
        path.write_text(path.read_text())  # saved again, unchanged
        until(lambda: seen.saves.event_batches >= 1, "the file event of that save")
        sentinel = write(path, version(1))
        seen.wait(1)
        assert seen.digests == [sentinel]


def recording(native, batches: list):
    """The real file watcher, keeping every batch of events it reports."""

    def watcher(folder, stop):
        for changes in native(folder, stop):
            batches.append({Path(p).name for _, p in changes})
            yield changes

    return watcher


def test_other_files_in_the_folder_never_wake_the_watcher(repo):
    path = kata_file(repo)
    folder = path.parent
    junk = [".kata.py.swp", "kata.py~", ".#kata.py", "kata.py.bak", "4913", "__pycache__"]
    batches: list[set] = []
    with collecting(path, native=recording(saves.native_events, batches)) as seen:
        until(lambda: seen.saves.events_live, "the file watcher to start")
        for name in junk[:-1]:  # what editors write beside the file
            (folder / name).write_text(version(0))
        (folder / "__pycache__").mkdir()
        (folder / "__pycache__" / "kata.cpython-311.pyc").write_bytes(b"\0")
        (folder / ".tests" / "test_probe.py").write_text("# edited\n")  # not even watched
        until(lambda: set(junk) <= set().union(*batches), f"events for {junk} ({batches})")
        sentinel = write(path, version(1))
        seen.wait(1)
        assert seen.digests == [sentinel]
        naming_the_file = [b for b in batches if "kata.py" in b]
        assert seen.saves.event_batches == len(naming_the_file) >= 1
        assert not any(".tests" in b or "test_probe.py" in b for b in batches)


def test_poll_mode_sees_saves_without_file_events(repo):
    path = kata_file(repo)

    def no_events(folder, stop):
        raise AssertionError("--poll must not start the file watcher")

    with collecting(path, poll=True, native=no_events) as seen:
        first = write(path, version(1))
        seen.wait(1)
        path.write_text(path.read_text())  # unchanged: not a save
        tmp = path.with_name(".kata.py.new")
        tmp.write_text(version(2))
        os.replace(tmp, path)
        second = saves.digest(path)
        seen.wait(2)
        assert seen.digests == [first, second]
        assert seen.notices == []  # asked for: nothing to explain


def silent_watcher(started: threading.Event):
    """A file watcher that runs but never reports an event (WSL2 on Windows files)."""

    def native(folder, stop):
        started.set()
        while not stop.wait(0.05):
            yield set()

    return native


def test_falls_back_to_polling_when_file_events_never_arrive(repo):
    path = kata_file(repo)
    started = threading.Event()
    with collecting(path, native=silent_watcher(started)) as seen:
        assert started.wait(WAIT)
        first = write(path, version(1))
        seen.wait(1)
        second = write(path, version(2))
        seen.wait(2)
        assert seen.digests == [first, second]
        assert seen.saves.polling
        assert len(seen.notices) == 1, seen.notices  # said once
        assert "file events do not arrive here" in seen.notices[0]
        assert "polling every 0.3 s" in seen.notices[0]


def test_falls_back_to_polling_when_file_events_cannot_be_had(repo):
    path = kata_file(repo)

    def broken(folder, stop):
        raise OSError("OS file watch limit reached")

    with collecting(path, native=broken) as seen:
        first = write(path, version(1))
        seen.wait(1)
        assert seen.digests == [first]
        assert seen.notices and "OS file watch limit reached" in seen.notices[0]
        assert "polling every 0.3 s" in seen.notices[0]


# -- the watch loop, grading for real ---------------------------------------------------


class Screen(io.TextIOBase):
    """What the learner would see: thread-safe text, optionally pretending to be a tty."""

    def __init__(self, tty: bool = False):
        self.tty = tty
        self.ended = ""  # why the watch loop ended, once it has
        self._parts: list[str] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._parts.append(text)
        return len(text)

    def isatty(self) -> bool:
        return self.tty

    @property
    def encoding(self):
        return "utf-8"

    @property
    def text(self) -> str:
        with self._lock:
            return "".join(self._parts)


class Grader:
    """cli.grade, remembering which kata was graded with which content; ``hold_at``
    makes that call wait until ``release`` is set (grading "in progress")."""

    def __init__(self, root: Path, hold_at: int | None = None):
        self.root = root
        self.calls: list[tuple[str, str]] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, katas):
        kata = katas[0]
        self.calls.append((kata.id, (kata.path / "kata.py").read_text()))
        if len(self.calls) == self.hold_at:
            self.holding.set()
            assert self.release.wait(WAIT)
        return cli.grade(katas, root=self.root).katas


@contextmanager
def watching(repo: Path, kata: str | None = "90_probe", *, screen=None, **options):
    """``Watch.run`` in a thread; yields (grader, screen, watch); stops it after."""
    catalog = load_catalog(repo)
    grader = options.pop("grader", None) or Grader(repo)
    screen = screen or Screen()
    watch = Watch(catalog, repo, out=screen, grade=grader, **options)
    start = next(k for k in catalog if k.id == kata) if kata else None
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(watch.run(start))
        except BaseException:
            screen.ended = traceback.format_exc()
            raise
        screen.ended = f"watch.run returned {outcome[0]}"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield grader, screen, watch
    finally:
        watch.stop()
        thread.join(timeout=30)
        assert not thread.is_alive(), "watch did not stop\n" + screen.text
    assert outcome == [0], screen.ended


def waiting(screen: Screen, kata: str, count: int) -> None:
    """Wait until the loop waits for the ``count``-th time for a save of ``kata``."""
    line = f"{kata}/kata.py: save it to grade it again"
    until(
        lambda: screen.text.count(line) >= count,
        f"grade {count} of {kata}",
        show=lambda: screen.text,
        ended=lambda: screen.ended,
    )


def test_each_save_is_graded_once_and_its_result_shown(repo, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    path = kata_file(repo)
    stub = path.read_text()
    with watching(repo, screen=Screen(tty=True)) as (grader, screen, _):
        waiting(screen, "90_probe", 1)
        assert "0/4 points" in screen.text and "not started" in screen.text
        path.write_text(version(1))
        waiting(screen, "90_probe", 2)
        assert "3/4 points" in screen.text  # the new result is shown...
        assert "double(21) returned 63" in screen.text  # ...with its teaching message
        path.write_text(version(2))
        waiting(screen, "90_probe", 3)
    assert grader.calls == [("90_probe", stub), ("90_probe", version(1)), ("90_probe", version(2))]
    # On a terminal the screen is cleared before each result; NO_COLOR: no colour codes.
    assert screen.text.count(CLEAR) == 3
    assert "\033" not in screen.text.replace(CLEAR, "")


def test_saves_made_while_grading_are_graded_once_after(repo):
    path = kata_file(repo)
    stub = path.read_text()
    grader = Grader(repo, hold_at=2)
    with watching(repo, grader=grader) as (_, screen, _):
        waiting(screen, "90_probe", 1)
        path.write_text(version(1))
        assert grader.holding.wait(WAIT), screen.text
        for n in (2, 3, 4):  # three saves while version 1 is being graded
            path.write_text(version(n))
            time.sleep(0.2)  # apart, so they are separate saves (not needed to pass)
        grader.release.set()
        waiting(screen, "90_probe", 3)
        path.write_text(version(5))  # the sentinel
        waiting(screen, "90_probe", 4)
    assert [content for _, content in grader.calls] == [
        stub,
        version(1),
        version(4),
        version(5),
    ]


def test_a_passing_kata_hands_over_to_the_next_not_yet_passing(repo):
    first, second = kata_file(repo), kata_file(repo, "91_probe")
    stub = first.read_text()
    with watching(repo) as (grader, screen, _):
        waiting(screen, "90_probe", 1)
        first.write_text(SOLUTION)
        waiting(screen, "91_probe", 1)
        text = screen.text
        assert "4/4 points" in text
        assert "90 passes: moving on to the next kata not yet passing, 91 · Probe again" in text
        assert "read  " in text and os.path.join("91_probe", "README.md") in text
        second.write_text(version(1))  # the new kata's file is the one watched now
        waiting(screen, "91_probe", 2)
    assert grader.calls == [
        ("90_probe", stub),
        ("90_probe", SOLUTION),
        ("91_probe", stub),
        ("91_probe", version(1)),
    ]
    progress = (repo / ".kata-progress").read_text()
    assert "90_probe                 passing     4/4" in progress


def test_once_passing_stops_when_the_kata_passes(repo):
    with watching(repo, once_passing=True) as (grader, screen, _):
        waiting(screen, "90_probe", 1)
        kata_file(repo).write_text(SOLUTION)
        until(lambda: screen.ended, "watch to end by itself", show=lambda: screen.text)
    assert screen.ended == "watch.run returned 0"
    assert [kata for kata, _ in grader.calls] == ["90_probe", "90_probe"]
    assert "4/4 points" in screen.text and "moving on" not in screen.text


def test_watch_falls_back_to_polling_and_says_so_once(repo):
    path = kata_file(repo)
    started = threading.Event()
    with watching(repo, native=silent_watcher(started)) as (grader, screen, watch):
        waiting(screen, "90_probe", 1)
        assert started.wait(WAIT)
        path.write_text(version(1))
        waiting(screen, "90_probe", 2)
        path.write_text(version(2))
        waiting(screen, "90_probe", 3)
        assert watch.poll
    assert [content for _, content in grader.calls][1:] == [version(1), version(2)]
    assert screen.text.count("file events do not arrive here") == 1


def test_clearing_needs_a_real_terminal(repo, monkeypatch):
    katas = load_catalog(repo)
    monkeypatch.setenv("TERM", "xterm")
    assert Watch(katas, repo, out=Screen(tty=True)).clears
    assert not Watch(katas, repo, out=Screen(tty=False)).clears
    monkeypatch.setenv("TERM", "dumb")
    assert not Watch(katas, repo, out=Screen(tty=True)).clears


# -- the command ------------------------------------------------------------------------


class Command:
    """``python -m graders watch ARGS`` in ``repo``, its output read as it comes."""

    def __init__(self, repo: Path, *args: str):
        env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graders", "watch", *args],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, needle: str, count: int = 1) -> None:
        until(
            lambda: self.text.count(needle) >= count,
            repr(needle),
            show=lambda: self.text,
            ended=self._ended,
        )

    def _ended(self) -> str:
        if self.proc.poll() is None:
            return ""
        return f"watch exited with status {self.proc.returncode}: {self.proc.stderr.read()}"

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("watch did not end on SIGINT\n" + self.text)
        self.reader.join(timeout=10)
        return code, self.proc.stderr.read()


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX")
def test_command_polls_moves_on_and_stops_cleanly_on_ctrl_c(repo):
    watch = Command(repo, "--poll")  # no KATA: the first kata not yet passing
    try:
        watch.wait_for("90_probe/kata.py: save it to grade it again")
        assert "checking kata.py for saves every 0.3 s (--poll)" in watch.text
        kata_file(repo).write_text(SOLUTION)
        watch.wait_for("91_probe/kata.py: save it to grade it again")
    finally:
        code, stderr = watch.interrupt()
    assert code == 0, stderr
    assert watch.lines[-1] == "stopped watching."
    assert "moving on to the next kata not yet passing, 91 · Probe again" in watch.text
    assert "Traceback" not in watch.text + stderr
    assert "\033" not in watch.text  # not a terminal: no escape codes at all


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_while_grading_ends_with_one_line(repo):
    watch = Command(repo, "90")
    try:
        watch.wait_for("grading katas")
    finally:
        code, stderr = watch.interrupt()
    assert code == 0, stderr
    assert watch.lines[-1] == "stopped watching."
    assert "Traceback" not in watch.text + stderr


def test_unknown_kata_is_misuse(repo):
    done = subprocess.run(
        [sys.executable, "-m", "graders", "watch", "999"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 2
    assert "no kata '999'" in done.stderr
    assert "Traceback" not in done.stderr
