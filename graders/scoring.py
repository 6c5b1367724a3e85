"""From per-test records to kata and total scores (integer points)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import Kata
from .timing_chart import Chart

STATUSES = ("pass", "fail", "error", "skip")


@dataclass
class TestResult:
    name: str
    status: str  # pass | fail | error | skip
    score: int
    max_score: int
    message: str = ""
    nodeid: str = ""
    virtual: float = 0.0  # virtual seconds the test simulated (for the benchmark)
    chart: Chart | None = None  # a failed timing check's timeline, as data

    def to_json(self) -> dict:
        data = {
            "name": self.name,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
        }
        if self.chart is not None:
            data["timeline"] = self.chart.to_json()
        return data


@dataclass
class KataResult:
    kata: Kata
    tests: list[TestResult] = field(default_factory=list)
    error: str = ""  # a problem with the kata as a whole (missing file, crash, syntax)
    skipped: str = ""  # why the whole kata was skipped
    seconds: float = 0.0  # real seconds its jobs ran, fork to exit, summed (the benchmark)

    @property
    def id(self) -> str:
        return self.kata.id

    @property
    def score(self) -> int:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> int:
        if self.skipped:
            return 0
        if not self.tests:
            return self.kata.points
        return sum(t.max_score for t in self.tests)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skip"
        if self.error:
            return "error"
        graded = [t for t in self.tests if t.status != "skip"]
        if not graded:
            return "skip" if self.tests else "error"
        if all(t.status == "pass" for t in graded):
            return "pass"
        if all(t.status == "error" for t in graded):
            return "error"
        return "fail"

    @property
    def not_started(self) -> bool:
        graded = [t for t in self.tests if t.status != "skip"]
        return bool(graded) and all(t.message.startswith("not started") for t in graded)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.kata.title,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "message": self.error or self.skipped,
            "tests": [t.to_json() for t in self.tests],
        }


@dataclass
class Grade:
    katas: list[KataResult]

    @property
    def score(self) -> int:
        return sum(k.score for k in self.katas)

    @property
    def max_score(self) -> int:
        return sum(k.max_score for k in self.katas)

    @property
    def all_passed(self) -> bool:
        return all(k.status in ("pass", "skip") for k in self.katas)

    def to_json(self) -> dict:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "katas": [k.to_json() for k in self.katas],
        }
