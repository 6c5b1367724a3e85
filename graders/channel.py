"""The results channel: JSON records written by the plugin, read by the runner.

It is a file of its own, not the child's stdout, so nothing the learner's code prints
can pass for a result. Each record is written with one unbuffered ``os.write`` the
moment it exists, so a process that dies mid-kata still leaves what it had finished.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class Writer:
    def __init__(self, path: str | os.PathLike):
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, record: dict) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        os.write(self._fd, data)

    def close(self) -> None:
        os.close(self._fd)


def read(path: str | os.PathLike) -> list[dict]:
    """Every well-formed record; a torn or foreign line is skipped, never fatal."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return []
    records = []
    for line in raw.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("type"), str):
            records.append(record)
    return records
