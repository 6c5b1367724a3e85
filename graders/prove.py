"""The author check: prove every kata is sound.

For each kata: its stub earns 0 (and every test says "not started"), its reference
solution earns full points, and every file in ``solutions/NN_slug/mistakes/`` loses
points *and* fails each test its docstring names (``Rejected by: test_a, test_b``).
Metadata is checked too: points in kata.toml match the tests, three hints or more,
two mistakes or more, a README, the solution's WHY.md note.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Kata, load_catalog, repo_root, select
from .runner import Runner
from .scoring import KataResult

_REJECTED_BY = re.compile(r"Rejected by:\s*(.+)", re.IGNORECASE)


@dataclass
class Proof:
    kata: Kata
    problems: list[str] = field(default_factory=list)
    summary: str = ""
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def rejected_by(mistake: Path) -> list[str]:
    match = _REJECTED_BY.search(mistake.read_text(encoding="utf-8"))
    if not match:
        return []
    return [name.strip() for name in re.split(r"[,\s]+", match.group(1)) if name.strip()]


def mistakes_of(root: Path, kata: Kata) -> list[Path]:
    return sorted((root / "solutions" / kata.id / "mistakes").glob("*.py"))


def prove(katas: list[Kata], root: Path | None = None, jobs: int | None = None) -> list[Proof]:
    root = root or repo_root()
    work: list[tuple[Kata, Path]] = []
    roles: list[tuple[Kata, str, Path]] = []
    for kata in katas:
        variants = [
            ("stub", kata.path / "kata.py"),
            ("solution", root / "solutions" / kata.id / "kata.py"),
        ]
        variants += [(f"mistake {m.name}", m) for m in mistakes_of(root, kata)]
        for role, path in variants:
            work.append((kata, path.resolve()))
            roles.append((kata, role, path))
    results = Runner(root, jobs=jobs).grade(work)
    proofs = {kata.id: Proof(kata) for kata in katas}
    by_role: dict[str, dict[str, KataResult]] = {kata.id: {} for kata in katas}
    for (kata, role, path), result in zip(roles, results, strict=False):
        by_role[kata.id][role] = result
        _judge(proofs[kata.id], role, path, result)
    for kata in katas:
        _check_metadata(proofs[kata.id], root, by_role[kata.id])
    return [proofs[kata.id] for kata in katas]


def _judge(proof: Proof, role: str, path: Path, result: KataResult) -> None:
    if result.status == "skip":
        proof.skipped = result.skipped
        return
    if role == "stub":
        if result.score != 0:
            passed = [t.name for t in result.tests if t.status == "pass"]
            proof.problems.append(f"the stub earns {result.score} points (tests passing: {passed})")
        elif not result.not_started:
            odd = [t.name for t in result.tests if not t.message.startswith("not started")]
            proof.problems.append(
                f"the stub is not reported as 'not started' by {odd or 'the kata'}: "
                + (result.error or "; ".join(t.message.splitlines()[0] for t in result.tests[:1]))
            )
    elif role == "solution":
        if result.score != result.max_score or result.status != "pass":
            failing = [
                f"{t.name}: {t.message.splitlines()[0] if t.message else t.status}"
                for t in result.tests
                if t.status != "pass"
            ]
            proof.problems.append(
                f"the reference solution earns {result.score}/{result.max_score}"
                + (f" ({result.error})" if result.error else "")
                + "".join(f"\n      {line}" for line in failing)
            )
    else:
        names = rejected_by(path)
        if not names:
            proof.problems.append(
                f"{role} names no test ('Rejected by: test_...' in its docstring)"
            )
        if result.score >= result.max_score:
            proof.problems.append(f"{role} earns full points: no test rejects it")
        statuses = {t.name: t.status for t in result.tests}
        for name in names:
            if name not in statuses:
                proof.problems.append(f"{role} names {name}, which is not a test of this kata")
            elif statuses[name] == "pass":
                proof.problems.append(f"{role} passes {name}, the test it names")


def _check_metadata(proof: Proof, root: Path, results: dict[str, KataResult]) -> None:
    kata = proof.kata
    solution = results.get("solution")
    if solution is not None and solution.status != "skip" and solution.max_score != kata.points:
        proof.problems.append(
            f"kata.toml says points = {kata.points}, but its tests are worth {solution.max_score}"
        )
    if len(kata.hints) < 3:
        proof.problems.append(f"kata.toml has {len(kata.hints)} hints; write at least 3")
    if not (kata.path / "README.md").is_file():
        proof.problems.append("README.md is missing")
    if not (root / "solutions" / kata.id / "WHY.md").is_file():
        proof.problems.append(
            f"solutions/{kata.id}/WHY.md is missing (the note `solution` shows after passing)"
        )
    if not kata.api:
        proof.problems.append("kata.toml has no [api] table")
    count = len(mistakes_of(root, kata))
    if count < 2:
        proof.problems.append(
            f"{count} mistake(s) in solutions/{kata.id}/mistakes; write at least 2"
        )
    mistakes = len([r for r in results if r.startswith("mistake")])
    if solution is not None and not proof.problems:
        stub = results["stub"]
        proof.summary = (
            f"stub {stub.score}/{stub.max_score}, solution {solution.score}/{solution.max_score}, "
            f"{mistakes} mistakes rejected"
        )


def cmd_prove(args) -> int:
    root = repo_root()
    katas = select(load_catalog(root), args.katas)
    proofs = prove(katas, root, args.jobs)
    for proof in proofs:
        if proof.skipped and not proof.problems:
            print(f"  - {proof.kata.id}: skipped ({proof.skipped})")
        elif proof.ok:
            print(f"  ok {proof.kata.id}: {proof.summary}")
        else:
            print(f"  FAIL {proof.kata.id}:")
            for problem in proof.problems:
                print(f"      {problem}")
    bad = sum(1 for p in proofs if not p.ok)
    print(
        f"\n{len(proofs) - bad} of {len(proofs)} katas proved",
        file=sys.stderr if bad else sys.stdout,
    )
    return 1 if bad else 0
