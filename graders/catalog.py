"""The katas, read from their ``kata.toml`` files: one place for all exercise metadata."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MODULES = {
    1: "Coroutines and the event loop",
    2: "Orchestrating tasks",
    3: "Timeouts and cancellation",
    4: "Synchronisation",
    5: "Queues and pipelines",
    6: "Streams, subprocesses and threads",
    7: "Patterns from production",
    8: "Capstones",
}

_FOLDER = re.compile(r"^(\d\d)_([a-z0-9_]+)$")


class UsageError(Exception):
    """A command was misused (unknown kata, missing folder): exit status 2."""


@dataclass(frozen=True)
class Kata:
    id: str  # "03_gather_in_order"
    number: int
    slug: str
    path: Path  # katas/03_gather_in_order
    title: str
    module: int
    points: int
    min_python: tuple[int, int] = (3, 11)
    api: dict[str, str] = field(default_factory=dict)
    hints: tuple[str, ...] = ()
    #: Jobs its hidden tests are split across, run side by side (kata.toml ``shards``):
    #: for a kata whose tests wait seconds on the real clock.
    shards: int = 1

    @property
    def tests_dir(self) -> Path:
        return self.path / ".tests"

    @property
    def test_files(self) -> list[Path]:
        return sorted(self.tests_dir.glob("test_*.py"))

    @property
    def supported(self) -> bool:
        return sys.version_info[:2] >= self.min_python

    @property
    def skip_reason(self) -> str:
        need = ".".join(map(str, self.min_python))
        have = ".".join(map(str, sys.version_info[:2]))
        return (
            f"needs Python {need}+ (this is Python {have}); it counts neither for nor against you"
        )


def repo_root() -> Path:
    """The repository: the working directory if it has katas/, else this checkout."""
    cwd = Path.cwd()
    if (cwd / "katas").is_dir():
        return cwd
    return Path(__file__).resolve().parent.parent


def load_kata(folder: Path) -> Kata:
    match = _FOLDER.match(folder.name)
    if not match:
        raise UsageError(f"{folder}: kata folders are named NN_slug")
    meta_file = folder / "kata.toml"
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{meta_file}: {exc}") from exc
    major, minor = (int(p) for p in str(meta.get("min_python", "3.11")).split(".")[:2])
    return Kata(
        id=folder.name,
        number=int(match.group(1)),
        slug=match.group(2),
        path=folder,
        title=meta["title"],
        module=int(meta["module"]),
        points=int(meta["points"]),
        min_python=(major, minor),
        api=dict(meta.get("api", {})),
        hints=tuple(meta.get("hints", ())),
        shards=max(1, int(meta.get("shards", 1))),
    )


def load_catalog(root: Path | None = None) -> list[Kata]:
    root = root or repo_root()
    katas_dir = root / "katas"
    if not katas_dir.is_dir():
        raise UsageError(f"no katas/ folder in {root}: run this from the repository root")
    folders = sorted(p for p in katas_dir.iterdir() if p.is_dir() and _FOLDER.match(p.name))
    katas = []
    for folder in folders:
        if not (folder / "kata.toml").is_file():
            print(f"note: {folder} has no kata.toml; skipped", file=sys.stderr)
            continue
        try:
            katas.append(load_kata(folder))
        except (UsageError, KeyError, ValueError) as exc:
            print(f"note: {folder}/kata.toml is not usable ({exc}); skipped", file=sys.stderr)
    return katas


def select(catalog: list[Kata], selectors: list[str]) -> list[Kata]:
    """Resolve ``3``, ``03``, ``gather_in_order`` or ``03_gather_in_order``; none = all."""
    if not selectors:
        return list(catalog)
    chosen: list[Kata] = []
    for sel in selectors:
        key = sel.strip().rstrip("/").split("/")[-1]
        found = [
            k for k in catalog if key in (k.id, k.slug) or (key.isdigit() and int(key) == k.number)
        ]
        if not found:
            close = [k.id for k in catalog if key and key in k.id]
            extra = f" Did you mean: {', '.join(close[:5])}?" if close else ""
            raise UsageError(
                f"no kata {sel!r}. Name one by number (3), slug (gather_in_order) or "
                f"folder (03_gather_in_order).{extra}"
            )
        for kata in found:
            if kata not in chosen:
                chosen.append(kata)
    return chosen
