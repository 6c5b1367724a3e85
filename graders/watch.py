"""``python -m graders watch [KATA] [--poll] [--once-passing]``: grade the kata you are
working on each time you save its ``kata.py``; when it passes, move on to the next kata
not yet passing and keep watching that one. Ctrl-C stops it.

Saves come from graders.saves (file events, or polling where events never arrive), the
grading is the ``grade`` command's (graders.cli.grade), the result is shown as ``check``
shows it (graders.report_check) and remembered in ``.kata-progress`` as ``check`` does.
The loop takes its kata list, its grader, its source of file events and its output
stream as arguments, so the tests drive it without a terminal.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import saves
from .catalog import Kata, load_catalog, repo_root, select
from .current import first_unfinished, states
from .progress import Progress, fingerprint, record_results
from .report_check import display_path, kata_ref, render_check
from .report_terminal import Style
from .scoring import KataResult

#: Erase the screen and put the cursor at the top (only ever written to a terminal).
CLEAR = "\033[H\033[2J"

Grader = Callable[[list[Kata]], list[KataResult]]


def cmd_watch(args) -> int:
    root = repo_root()
    catalog = load_catalog(root)
    kata = select(catalog, [args.kata])[0] if args.kata else None
    watch = Watch(catalog, root, poll=args.poll, once_passing=args.once_passing)
    try:
        return watch.run(kata)
    except KeyboardInterrupt:
        # On a terminal the ^C the terminal echoed ends the line first.
        lead = "\n" if _is_terminal(sys.stdout) else ""
        print(f"{lead}stopped watching.", flush=True)
        return 0
    finally:
        watch.close()


class Watch:
    """Grade one kata at each save until it passes, then the next one not yet passing."""

    def __init__(
        self,
        katas: list[Kata],
        root: Path,
        *,
        out=None,
        poll: bool = False,
        once_passing: bool = False,
        grade: Grader | None = None,
        native: saves.NativeEvents = saves.native_events,
    ):
        self.katas = katas
        self.root = root
        self.out = out or sys.stdout
        self.poll = poll
        self.once_passing = once_passing
        self.native = native
        self._grade_katas = grade or self._grade_with_cli
        self._runner = None  # a warm Runner, made at the first grade
        self._stop = threading.Event()
        self._passed: set[str] = set()
        self.style = Style(self.out)
        self.clears = _is_terminal(self.out) and os.environ.get("TERM") != "dumb"

    def close(self) -> None:
        """Stop the warm grading server kept between saves."""
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def stop(self) -> None:
        """End ``run`` (from another thread) within a fraction of a second."""
        self._stop.set()

    def run(self, kata: Kata | None = None) -> int:
        """Watch ``kata`` (default: the first kata not yet passing), then the ones after
        it; 0 when stopped, and when no kata is left to watch."""
        if kata is None:
            kata = self._first_not_passing()
            if kata is None:
                self._say("every kata passes: there is nothing left to watch.")
                return 0
        if self.poll:
            self._note(f"checking kata.py for saves every {saves.POLL_INTERVAL:g} s (--poll).")
        moved_on = False
        while True:
            result = self._until_passing(kata, moved_on=moved_on)
            if result is None:
                return 0  # stopped
            self._passed.add(kata.id)
            if self.once_passing:
                return 0
            following = self._first_not_passing()
            if following is None:
                self._say(
                    self.style.paint("every kata passes: there is nothing left to watch.", "1")
                )
                return 0
            done = "passes" if result.status == "pass" else "cannot run on this Python"
            self._say(
                f"\n{self.style.status(result.status, self.style.marks[result.status])} "
                f"{kata_ref(kata)} {done}: moving on to the next kata not yet passing, "
                + self.style.paint(f"{kata_ref(following)} · {following.title}", "1")
            )
            kata, moved_on = following, True

    # -- one kata ---------------------------------------------------------------------
    def _until_passing(self, kata: Kata, *, moved_on: bool) -> KataResult | None:
        """Grade ``kata`` now and at each save until it passes (its result) or we are
        stopped (None). A kata this Python cannot run counts as passing: it is skipped."""
        path = kata.path / "kata.py"
        with saves.Saves(
            path, poll=self.poll, native=self.native, stop=self._stop, notice=self._fell_back
        ) as changes:
            result = self._grade(kata)
            if moved_on:
                self._introduce(result)
            else:
                self._show(result)
            while not _done(result):
                self._say(
                    self.style.paint(
                        f"watching {display_path(path)}: save it to grade it again "
                        "(Ctrl-C to stop)",
                        "2",
                    )
                )
                while True:
                    content = next(changes, _STOPPED)
                    if content is _STOPPED:
                        return None
                    if content is not None:
                        break
                    self._say(
                        f"{display_path(path)} is gone; waiting for it to be saved again "
                        f"(`python -m graders reset {kata_ref(kata)}` puts the original back)."
                    )
                result = self._grade(kata)
                self._show(result)
        return result

    def _grade(self, kata: Kata) -> KataResult:
        path = kata.path / "kata.py"
        self._say(self.style.paint(f"grading {display_path(path)} ...", "2"))
        graded_print = fingerprint(path)
        result = self._grade_katas([kata])[0]
        if result.status != "skip":
            record_results(self.root, [result], {kata.id: graded_print})
        return result

    def _grade_with_cli(self, katas: list[Kata]) -> list[KataResult]:
        from .cli import grade  # the cli imports this module when asked to watch

        if self._runner is None:
            from .runner import Runner

            # Warm: a fork server is already importing for the next save while the
            # learner reads the result, which takes it out of save-to-result time.
            self._runner = Runner(self.root, warm=True)
        return grade(katas, root=self.root, runner=self._runner).katas

    # -- what the learner sees ----------------------------------------------------------
    def _show(self, result: KataResult) -> None:
        """The result after a save: the screen is cleared first on a terminal."""
        if self.clears:
            self.out.write(CLEAR)
        stamp = time.strftime("%H:%M:%S")
        self._say(self.style.paint(f"{stamp} {display_path(result.kata.path / 'kata.py')}", "2"))
        self._say(render_check(result, Progress.load(self.root), self.out, watching=True))

    def _introduce(self, result: KataResult) -> None:
        """The kata moved on to, below the last result (which stays on screen)."""
        kata = result.kata
        if not result.not_started and not _done(result):
            self._say(render_check(result, Progress.load(self.root), self.out, watching=True))
            return
        self._say(f"  read  {display_path(kata.path / 'README.md')}")
        self._say(f"  edit  {display_path(kata.path / 'kata.py')}; each save is graded here.")
        if _done(result):  # it passed already (graded before, or solved elsewhere)
            self._say(f"  {kata_ref(kata)} passes already.")

    def _fell_back(self, text: str) -> None:
        """File events do not arrive here: poll from now on, for every kata."""
        self.poll = True
        self._note(text)

    def _note(self, text: str) -> None:
        self._say(f"note: {text}")

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- where to go next -------------------------------------------------------------
    def _first_not_passing(self) -> Kata | None:
        """The first kata, in curriculum order, not known to pass (from .kata-progress,
        which every grade here updates); None when every kata passes."""
        left = [k for k in self.katas if k.id not in self._passed]
        upcoming = first_unfinished(states(left, Progress.load(self.root)))
        return upcoming.kata if upcoming else None


def _done(result: KataResult) -> bool:
    return result.status in ("pass", "skip")


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_STOPPED = object()
