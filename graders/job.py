"""One grading job: run the hidden tests of one kata against one kata.py, in this
process. The runner starts it in a process of its own (forked from the fork server,
or spawned) so whatever the learner's code does costs this kata alone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import reaper

#: Bytes of output (prints, tracebacks) a job may write before it is stopped.
OUTPUT_LIMIT = 64 * 1024 * 1024
#: Address space a job may use: bounds a memory bomb without touching real katas.
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
#: CPU seconds a job may use (all its tests and threads), far above the slowest kata:
#: stops threads left spinning. Past it the job gets SIGXCPU, then SIGKILL.
CPU_LIMIT = 120
#: Processes and threads a job may add to its user's (Linux; not enforced for root).
PROCESS_MARGIN = 512

INI = str(Path(__file__).with_name("pytest.ini"))
#: The pytest plugins a job loads, by module name; nothing else is auto-loaded.
PLUGINS = ("graders.plugin", "pytest_asyncio.plugin", "pytest_timeout")
#: pytest's own plugins no hidden test uses (hidden tests are plain pytest functions,
#: not unittest classes or subtests; no debugger, no --junitxml): not registering them
#: saves ~30 ms a job.
UNUSED = (
    "pastebin",
    "junitxml",
    "doctest",
    "legacypath",
    "setuponly",
    "setupplan",
    "unittest",
    "subtests",
    "debugging",
    "python_path",
)


def pytest_args(spec: dict) -> list[str]:
    kata_dir = spec["kata_dir"]
    # The runner's private copy of the hidden tests, read before any kata code ran
    # (graders.runner.HiddenTests); the kata's own folder when run by hand.
    tests_dir = spec.get("tests_dir") or str(Path(kata_dir) / ".tests")
    tests = sorted(str(p) for p in Path(tests_dir).glob("test_*.py"))
    args = [
        *tests,
        "-c",
        INI,
        "--rootdir",
        tests_dir,
        # No conftest.py from above the tests (katas/, katas/NN/: files kata code or a
        # learner could add) may load: it would run before the grader is sealed.
        "--confcutdir",
        tests_dir,
        # Exactly the plugins grading needs: whatever else is installed (anyio's plugin
        # alone costs ~0.5 s a job, assertion-rewritten) must not load or interfere.
        "--disable-plugin-autoload",
        *(arg for name in PLUGINS for arg in ("-p", name)),
        *(arg for name in UNUSED for arg in ("-p", f"no:{name}")),
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
        *(("--kata-key", spec["key"]) if spec.get("key") else ()),
        *(("--kata-shard", spec["shard"]) if spec.get("shard") else ()),
    ]
    for nodeid in spec.get("deselect", ()):
        args += ["--deselect", nodeid]
    return args


def limit_resources() -> None:
    try:
        import resource
    except ImportError:  # Windows: no per-process limits (see README)
        return
    limits = [
        ("RLIMIT_FSIZE", OUTPUT_LIMIT, None),
        ("RLIMIT_AS", MEMORY_LIMIT, None),
        ("RLIMIT_CORE", 0, None),
        ("RLIMIT_CPU", CPU_LIMIT, CPU_LIMIT + 10),
    ]
    if sys.platform == "darwin":  # RLIMIT_AS is not enforced there; DATA partly is
        limits.append(("RLIMIT_DATA", MEMORY_LIMIT, None))
    tasks = _tasks_running()
    if tasks is not None:  # counts the user's processes and threads; root is exempt
        limits.append(("RLIMIT_NPROC", tasks + PROCESS_MARGIN, None))
    for name, value, new_hard in limits:
        kind = getattr(resource, name, None)
        if kind is None:
            continue
        try:
            _soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
                new_hard = None if new_hard is None else min(new_hard, hard)
            resource.setrlimit(kind, (value, hard if new_hard is None else new_hard))
        except (ValueError, OSError):
            pass


def _tasks_running() -> int | None:
    """Processes and threads on the machine now (Linux), an upper bound of the user's:
    RLIMIT_NPROC is then this plus a margin, which no kata needs but a fork bomb hits."""
    try:
        with open("/proc/loadavg") as f:
            return int(f.read().split()[3].split("/")[1])
    except (OSError, ValueError, IndexError):
        return None


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
    reaper.become_subreaper()  # orphans of kata code stay ours (graders.leftovers)
    root = spec.get("root")
    if root:
        os.chdir(root)
    code = pytest.main(pytest_args(spec))
    sys.stdout.flush()
    sys.stderr.flush()
    reaper.kill_descendants()  # whatever kata code left, even outside the job's session
    return int(code)


if __name__ == "__main__":  # the spawn launcher: the spec (and its secret) on stdin
    status = run(json.loads(sys.stdin.readline()))
    os._exit(status)  # threads kata code left running must not keep the job alive
