"""The machine-readable grade (the ``--json FILE`` contract; keep it stable)."""

from __future__ import annotations

import json
from pathlib import Path

from .scoring import Grade


def write(grade: Grade, path: str | Path) -> None:
    text = json.dumps(grade.to_json(), indent=2, ensure_ascii=False)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")
