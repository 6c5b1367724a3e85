"""One grading job: run the hidden tests of one kata against one kata.py, in this
process. The runner starts it in a process of its own (forked from the fork server,
or spawned) so whatever the learner's code does costs this kata alone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

#: Bytes of output (prints, tracebacks) a job may write before it is stopped.
OUTPUT_LIMIT = 64 * 1024 * 1024
#: Address space a job may use: bounds a memory bomb without touching real katas.
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024

INI = str(Path(__file__).with_name("pytest.ini"))


def pytest_args(spec: dict) -> list[str]:
    kata_dir = spec["kata_dir"]
    tests = sorted(str(p) for p in (Path(kata_dir) / ".tests").glob("test_*.py"))
    args = [
        *tests,
        "-c",
        INI,
        "--rootdir",
        str(Path(kata_dir) / ".tests"),
        "-p",
        "graders.plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-p",
        "no:logging",  # learners' log records go to stderr, not to a capture handler
        "--import-mode=importlib",
        "-q",
        "-s",
        "--no-header",
        "-rN",
        "--kata-impl",
        spec["impl"],
        "--kata-dir",
        kata_dir,
        "--kata-results",
        spec["results"],
    ]
    for nodeid in spec.get("deselect", ()):
        args += ["--deselect", nodeid]
    return args


def limit_resources() -> None:
    try:
        import resource
    except ImportError:  # Windows: no per-process limits (see README)
        return
    for name, value in (
        ("RLIMIT_FSIZE", OUTPUT_LIMIT),
        ("RLIMIT_AS", MEMORY_LIMIT),
        ("RLIMIT_CORE", 0),
    ):
        kind = getattr(resource, name, None)
        if kind is None:
            continue
        try:
            _soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            pass


def redirect_output(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(devnull)


def run(spec: dict) -> int:
    """Run the job in this process; returns pytest's exit status."""
    import pytest

    redirect_output(spec["output"])
    limit_resources()
    root = spec.get("root")
    if root:
        os.chdir(root)
    code = pytest.main(pytest_args(spec))
    sys.stdout.flush()
    sys.stderr.flush()
    return int(code)


if __name__ == "__main__":  # the spawn launcher: python -m graders.job '<spec json>'
    sys.exit(run(json.loads(sys.argv[1])))
