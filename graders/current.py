"""Where a learner stands: each kata's state as the progress cache knows it, and which
kata is "current" (the one ``check``, ``hint`` and ``next`` pick when none is named).

A kata is *done* when its last check passed and ``kata.py`` has not changed since; the
current kata is the first kata, in curriculum order, that is not done and can run on
this Python. Nothing here grades: states come from ``.kata-progress`` and from
fingerprints of the files, so they are instant and may be out of date (``changed``
says when they are).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Kata
from .progress import Entry, Progress, fingerprint

#: States, as ``list`` shows them.
NOT_STARTED = "not started"
FAILING = "failing"
PASSING = "passing"
MISSING = "kata.py missing"
UNSUPPORTED = "needs Python"


@dataclass(frozen=True)
class KataState:
    kata: Kata
    state: str  # one of the constants above
    changed: bool  # kata.py differs from the one last graded
    entry: Entry  # what the cache knows (score, hints, when)

    @property
    def done(self) -> bool:
        return self.state == PASSING and not self.changed

    @property
    def known(self) -> bool:
        """The cache has a grade for this kata (it may still be stale)."""
        return self.entry.graded

    @property
    def label(self) -> str:
        if self.state == UNSUPPORTED:
            return f"needs Python {'.'.join(map(str, self.kata.min_python))}"
        if self.changed:
            return f"{self.state}, changed since last check"
        return self.state


def state_of(kata: Kata, progress: Progress) -> KataState:
    entry = progress.get(kata.id)
    if not kata.supported:
        return KataState(kata, UNSUPPORTED, False, entry)
    current = fingerprint(kata.path / "kata.py")
    if not current:
        return KataState(kata, MISSING, False, entry)
    if not entry.graded:
        return KataState(kata, NOT_STARTED, False, entry)
    changed = entry.fingerprint != current  # unknown (hand-edited) counts as changed
    state = {"passing": PASSING, "failing": FAILING}.get(entry.status, NOT_STARTED)
    return KataState(kata, state, changed, entry)


def states(katas: list[Kata], progress: Progress) -> list[KataState]:
    return [state_of(kata, progress) for kata in katas]


def first_unfinished(all_states: list[KataState]) -> KataState | None:
    """The current kata: the first runnable one not done; None when every one is."""
    return next((s for s in all_states if s.state != UNSUPPORTED and not s.done), None)


def current_kata(katas: list[Kata], progress: Progress) -> Kata | None:
    found = first_unfinished(states(katas, progress))
    return found.kata if found else None
