"""The results channel: JSON records written by the plugin, read by the runner.

It is a file of its own, not the child's stdout, so nothing the learner's code prints
can pass for a result. Each record is written with one unbuffered ``os.write`` the
moment it exists, so a process that dies mid-kata still leaves what it had finished.

The learner's code runs in the process that writes the channel and can find the file
(``/proc/self/fd``). So, given a per-job secret ``key`` (made by the runner, never in
the job's environment or command line), every record carries its sequence number and
an HMAC-SHA256 of itself: `read` with the key keeps the records up to the first one
that is forged, rearranged, repeated (a forked copy of the job writing too) or
missing, and says what was wrong. The key and the file descriptor live in a closure,
not in attributes, and the functions used to write are bound here, at import, before
any kata code can replace ``os.write`` or ``json.dumps``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from pathlib import Path

# Private references, taken before any kata code runs (see the module docstring).
_os_write = os.write
_os_close = os.close
_dumps = json.dumps
_hmac_new = hmac.new
_sha256 = hashlib.sha256
_Lock = threading.Lock

FORGED = (
    "a record in the results file was not written by the grader: something else (your "
    "code?) wrote into it"
)
REARRANGED = (
    "the results file was rearranged: a record is missing, repeated or out of order "
    "(did your code truncate it, or fork the test process?)"
)


def _mac(key: bytes, record: dict) -> str:
    body = _dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _hmac_new(key, body.encode(), _sha256).hexdigest()


class Writer:
    """Appends records to ``path``; with ``key``, numbered and signed. ``gate``, if given,
    is called before each write: it returns None to allow it, or a message to refuse it,
    in which case a ``tampered`` record with that message is written instead (so the
    runner learns of it even if the process ends at once) and PermissionError raised."""

    def __init__(self, path: str | os.PathLike, key: bytes | None = None, gate=None):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        lock = _Lock()
        counter = [0]

        def write(record: dict, *, checked: bool = False) -> None:
            refused = gate() if gate is not None and not checked else None
            if refused is not None:
                record = {"type": "tampered", "message": refused}
            with lock:
                if key is not None:
                    record = {**record, "seq": counter[0]}
                    record["mac"] = _mac(key, record)
                    counter[0] += 1
                _os_write(fd, (_dumps(record, ensure_ascii=False) + "\n").encode())
            if refused is not None:
                raise PermissionError(refused)

        def allowed() -> None:
            """Ask the gate now (before costly work): refused, as a write would be."""
            refused = gate() if gate is not None else None
            if refused is not None:
                write({"type": "tampered", "message": refused}, checked=True)
                raise PermissionError(refused)

        self.write = write
        self.allowed = allowed
        self.close = lambda: _os_close(fd)


def read(path: str | os.PathLike, key: bytes | None = None) -> list[dict]:
    """Every well-formed record; a torn or foreign line is skipped, never fatal. With
    ``key``: the authentic records up to the first problem (see `read_checked`)."""
    if key is not None:
        return read_checked(path, key)[0]
    return [record for record, _line in _parse(path)]


def read_checked(path: str | os.PathLike, key: bytes) -> tuple[list[dict], str | None]:
    """(the signed records in order, up to the first bad one; what was wrong, or None).

    A last line cut short (the job died while writing it) is not a problem."""
    records: list[dict] = []
    lines = _lines(path)
    for number, (line, complete) in enumerate(lines):
        try:
            record = json.loads(line)
        except ValueError:
            if not complete and number == len(lines) - 1:
                break
            return records, FORGED
        if not isinstance(record, dict) or not isinstance(record.get("type"), str):
            return records, FORGED
        mac = record.pop("mac", None)
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(key, record)):
            return records, FORGED
        if record.get("seq") != len(records):
            return records, REARRANGED
        records.append(record)
    return records, None


def _lines(path) -> list[tuple[bytes, bool]]:
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return []
    lines = raw.split(b"\n")
    last = lines.pop()  # after the final newline: b"" when the file ends cleanly
    out = [(line, True) for line in lines if line.strip()]
    if last.strip():
        out.append((last, False))
    return out


def _parse(path):
    for line, _complete in _lines(path):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("type"), str):
            yield record, line
