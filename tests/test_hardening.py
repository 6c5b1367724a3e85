"""The grader's defences against its own users, piece by piece (test_hostile.py has the
whole attacks): signed results, resource limits, nothing imported from the repository
root or from a conftest.py outside the hidden tests, no process outliving the grade."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graders import channel
from graders.catalog import load_kata
from graders.runner import Runner

KEY = bytes(range(32))


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


@pytest.fixture
def signed(tmp_path) -> Path:
    path = tmp_path / "job.results"
    writer = channel.Writer(path, KEY)
    for record in (
        {"type": "collected", "tests": [{"name": "t", "nodeid": "x::t"}]},
        {"type": "start", "nodeid": "x::t"},
        {"type": "test", "nodeid": "x::t", "status": "fail", "message": "élan 1.5"},
    ):
        writer.write(record)
    writer.close()
    return path


def test_signed_records_read_back_whole(signed):
    records, problem = channel.read_checked(signed, KEY)
    assert problem is None
    assert [r["type"] for r in records] == ["collected", "start", "test"]
    assert records[2]["message"] == "élan 1.5"


def test_a_forged_record_is_found_and_what_follows_is_dropped(signed):
    with open(signed, "a") as out:
        out.write(json.dumps({"type": "test", "nodeid": "x::t", "status": "pass", "seq": 3}) + "\n")
    records, problem = channel.read_checked(signed, KEY)
    assert problem == channel.FORGED
    assert len(records) == 3
    assert channel.read_checked(signed, b"another job's key")[1] == channel.FORGED


@pytest.mark.parametrize("edit", ["drop", "repeat", "swap"])
def test_rearranged_records_are_found(signed, edit):
    lines = _lines(signed)
    lines = {
        "drop": lines[:1] + lines[2:],
        "repeat": lines + lines[-1:],
        "swap": [lines[0], lines[2], lines[1]],
    }[edit]
    signed.write_text("".join(lines))
    assert channel.read_checked(signed, KEY)[1] == channel.REARRANGED


def test_a_record_cut_short_by_a_crash_is_no_problem(signed):
    with open(signed, "a") as out:
        out.write('{"type": "test", "nodeid": "x::')
    records, problem = channel.read_checked(signed, KEY)
    assert (len(records), problem) == (3, None)


def test_a_refused_write_leaves_a_tampered_record(tmp_path):
    path = tmp_path / "job.results"
    writer = channel.Writer(path, KEY, gate=lambda: "your code wrote a result")
    with pytest.raises(PermissionError):
        writer.write({"type": "test", "nodeid": "x::t", "status": "pass"})
    records, problem = channel.read_checked(path, KEY)
    assert problem is None
    assert records == [{"type": "tampered", "message": "your code wrote a result", "seq": 0}]


@pytest.mark.skipif(sys.platform == "win32", reason="no resource limits on Windows")
def test_a_job_runs_under_cpu_memory_output_and_process_limits():
    probe = textwrap.dedent(
        """
        import json, resource, sys
        from graders import job
        job.limit_resources()
        names = ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_NPROC")
        print(json.dumps({n: resource.getrlimit(getattr(resource, n)) for n in names}))
        """
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    limits = json.loads(out.stdout)
    assert limits["RLIMIT_CPU"][0] == 120
    assert limits["RLIMIT_FSIZE"][0] == 64 * 1024 * 1024
    assert limits["RLIMIT_CORE"][0] == 0
    if sys.platform.startswith("linux"):
        assert limits["RLIMIT_AS"][0] == 2 * 1024**3
        with open("/proc/loadavg") as f:
            tasks = int(f.read().split()[3].split("/")[1])
        # the machine's processes and threads at that moment, plus a margin
        assert tasks < limits["RLIMIT_NPROC"][0] < tasks + 2000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX")
def test_nothing_outside_the_hidden_tests_and_the_grader_is_imported(tmp_path, probe):
    """A module at the repository root (kata code can write one there) must not stand in
    for a real one, and only a conftest.py inside .tests/ may load."""
    root = tmp_path / "repo"
    katas = root / "katas"
    shutil.copytree(probe.path, katas / probe.id)
    solution = Path(__file__).parent / "fixture_katas" / "solutions" / probe.id / "kata.py"
    shutil.copy(solution, katas / probe.id / "kata.py")
    marker = tmp_path / "imported"
    plant = f"open({str(marker)!r}, 'a').write(__name__ + ' ')\n"
    for name in ("json.py", "secrets.py", "pytest_timeout.py", "hmac.py"):
        (root / name).write_text(plant)
    (katas / "conftest.py").write_text(plant)
    (katas / probe.id / "conftest.py").write_text(plant)
    kata = load_kata(katas / probe.id)
    [result] = Runner(root).grade([(kata, katas / probe.id / "kata.py")])
    assert not marker.exists(), marker.read_text()
    assert (result.status, result.score) == ("pass", 4), result.error


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_the_json_report_cannot_be_rewritten_after_the_grade(tmp_path, root):
    """Kata code that leaves a process behind to overwrite `grade --json FILE` once the
    grader has exited: the process is gone with its job, the report is the grader's."""
    hostile = textwrap.dedent(
        """
        import asyncio, os, sys, time

        def _ancestor_json():
            pid = os.getpid()
            while pid > 1:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().decode().split("\\0")
                if "--json" in argv:
                    return pid, argv[argv.index("--json") + 1]
                with open(f"/proc/{pid}/stat") as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
            return None, None

        cli, report = _ancestor_json()
        if report and os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                with open(os.environ["HOSTILE_PID"], "w") as f:
                    f.write(str(os.getpid()))
                while os.path.exists(f"/proc/{cli}"):
                    time.sleep(0.02)
                with open(report, "w") as f:
                    f.write('{"score": 999}')
                os._exit(0)
            os._exit(0)

        async def add(a, b):
            await asyncio.sleep(0)
            return a + b

        def add_sync(a, b):
            return asyncio.run(add(a, b))
        """
    )
    source = tmp_path / "work" / "01_hello_coroutine"
    source.mkdir(parents=True)
    (source / "kata.py").write_text(hostile)
    report = tmp_path / "grade.json"
    pid_file = tmp_path / "hostile.pid"
    env = {**os.environ, "HOSTILE_PID": str(pid_file)}
    command = [sys.executable, "-m", "graders", "grade", "1", "--from", str(source.parent)]
    subprocess.run(
        [*command, "--json", str(report), "-q"], cwd=root, env=env, capture_output=True, timeout=120
    )
    assert pid_file.exists(), "the hostile kata must have started its process"
    pid = int(pid_file.read_text())
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        state = "gone"
    assert state in ("gone", "Z"), f"process {pid} outlived the grade ({state})"
    assert json.loads(report.read_text())["score"] != 999


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX")
def test_a_hidden_test_may_monkeypatch_what_kata_code_may_not(tmp_path, probe):
    kata_dir = tmp_path / probe.id
    shutil.copytree(probe.path, kata_dir)
    solution = Path(__file__).parent / "fixture_katas" / "solutions" / probe.id / "kata.py"
    shutil.copy(solution, kata_dir / "kata.py")
    (kata_dir / ".tests" / "test_patched.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            from graders import expect


            async def test_sleeps_once(kata, monkeypatch):
                delays = []
                real = asyncio.sleep

                async def counting(delay, result=None):
                    delays.append(delay)
                    return await real(delay, result)

                monkeypatch.setattr(asyncio, "sleep", counting)
                expect.equal(await kata.double(2), 4, call="double(2)")
                expect.equal(delays, [1], call="the sleeps")
            """
        )
    )
    [result] = Runner(Path(__file__).resolve().parent.parent).grade(
        [(load_kata(kata_dir), kata_dir / "kata.py")]
    )
    assert (result.status, result.score, result.max_score) == ("pass", 5, 5), result.error or [
        t.message for t in result.tests
    ]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (MemoryError(), "gives one kata 2 GiB of memory"),
        (BlockingIOError(11, "Resource temporarily unavailable"), "how many processes"),
        (RuntimeError("can't start new thread"), "how many processes and threads"),
    ],
)
def test_a_limit_hit_inside_python_says_which_limit(error, words):
    """RLIMIT_AS and RLIMIT_NPROC surface as exceptions (the others as signals, see
    test_hostile.py): the message names the limit and what to try."""
    from graders import translate

    assert words in translate.describe_exception(error, None)
