import asyncio
import os
import signal
import sys
import textwrap
import time

import pytest

from graders import Recorder, expect
from graders.errors import NotStarted
from graders.loop_errors import expect_no_loop_errors

GRACE = (
    "after request_stop, wait for the running jobs with a deadline of `grace` seconds "
    "(asyncio.wait(jobs, timeout=grace)), then cancel the ones still running and await them."
)
NO_POLL = (
    "wait on something that wakes you when request_stop is called (an asyncio.Event: "
    "`await self._stopping.wait()`), instead of checking a flag in a loop with sleeps."
)
GRACE_FROM_STOP = (
    "note the deadline in the first request_stop() (`loop.time() + grace`), and in run() "
    "wait only for the time left until it: `max(0, deadline - loop.time())`."
)
CLEANUP = (
    "cancel the jobs still running at the end of the grace, then await them before run returns."
)


class JobBoard(Recorder):
    """Makes jobs (zero-argument async callables) and records each run of them."""

    def __init__(self):
        super().__init__("job")

    def job(self, name, seconds, error=None):
        async def job():
            call = self._begin(name, f"job {name!r}")
            try:
                await asyncio.sleep(seconds)
                if error is not None:
                    raise error(name)
            except asyncio.CancelledError:
                self._end(call, "cancelled")
                raise
            except BaseException:
                self._end(call, "raised")  # (the error itself is not kept)
                raise
            self._end(call, "ok")

        return job

    def __repr__(self):
        return "<jobs>"


async def start(kata, grace, board=None):
    """A Service with its run() already going, as a server's main would start it."""
    service = kata.Service(grace)
    runner = asyncio.create_task(run_and_check(service, board))
    await asyncio.sleep(0)
    return service, runner


async def run_and_check(service, board):
    """await service.run(), and look at the jobs in the very step where it returned."""
    await service.run()
    if board is not None and board.running:
        left = ", ".join(c.label for c in board.running)
        expect.fail(
            expect.timeline(board) + f"\nrun() returned while {left} had not finished yet: "
            "cancelling a task only asks it to stop; it stops when it next runs.",
            hint=CLEANUP,
        )


async def stop_and_wait(service, runner):
    """request_stop() now; the virtual seconds until run() returns."""
    loop = asyncio.get_running_loop()
    service.request_stop()
    stopped = loop.time()
    await runner
    return loop.time() - stopped


def submit(service, job, what):
    accepted = service.submit(job)
    expect.true(
        accepted is True,
        f"submit({what}) before request_stop returned {accepted!r}; expected True.",
        hint="submit starts the job (as a task) and returns True while the service is running.",
    )


@pytest.mark.points(1)
async def test_accepts_jobs_until_stop(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=5.0, board=board)
    submit(service, board.job("a", 1.0), "job a")
    submit(service, board.job("b", 2.0), "job b")
    await asyncio.sleep(0.5)
    expect.true(
        board.in_flight == 2,
        expect.timeline(board)
        + f"\nhalf a second after two submits, {board.in_flight} job(s) were "
        "running; expected both: submit starts its job at once.",
        hint="in submit: `asyncio.create_task(...)` for the job, and keep a reference to the task.",
    )
    service.request_stop()
    late = board.job("late", 1.0)
    accepted = service.submit(late)
    expect.true(
        accepted is False,
        f"submit(job) after request_stop() returned {accepted!r}; expected False.",
        hint="once request_stop() was called, refuse new jobs: return False without calling them.",
    )
    await runner
    expect.call_count(board, 2, hint="a refused job must never be called.")
    expect.nothing_left_running(board, hint=CLEANUP)


@pytest.mark.points(1)
async def test_idle_service_stops_at_once_without_polling(kata):
    loop = asyncio.get_running_loop()
    service, runner = await start(kata, grace=5.0)
    before = loop.stats.iterations
    await asyncio.sleep(100.0)
    took = await stop_and_wait(service, runner)
    wakeups = loop.stats.iterations - before
    expect.elapsed(
        took,
        0.0,
        what="run() after request_stop() with no job running",
        why="nothing to wait for",
        hint=NO_POLL,
    )
    expect.true(
        wakeups <= 20,
        f"while the service sat idle for 100 s, the event loop woke up {wakeups} times: run() "
        "is polling (checking a flag again and again) instead of sleeping until it is told to stop.",
        hint=NO_POLL,
    )
    expect.nothing_left_running()


@pytest.mark.points(2)
async def test_running_jobs_finish_within_the_grace(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=5.0, board=board)
    submit(service, board.job("a", 3.0), "job a (3 s)")
    submit(service, board.job("b", 4.0), "job b (4 s)")
    await asyncio.sleep(2.0)
    took = await stop_and_wait(service, runner)
    expect.not_cancelled(
        board, ["a", "b"], hint="jobs that finish within the grace period must be left to finish."
    )
    expect.elapsed(
        took,
        2.0,
        what="run() after request_stop() at 2 s (grace 5 s)",
        why="job b ends at 4 s, well within the grace",
        services=[board],
        hint="return as soon as the last job is done; do not sit out the whole grace.",
    )
    expect.nothing_left_running(board, hint=CLEANUP)


@pytest.mark.points(2)
async def test_stragglers_are_cancelled_when_the_grace_ends(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=2.0, board=board)
    submit(service, board.job("a", 1.0), "job a (1 s)")
    submit(service, board.job("b", 10.0), "job b (10 s)")
    submit(service, board.job("c", 2.4), "job c (2.4 s)")
    await asyncio.sleep(0.5)
    took = await stop_and_wait(service, runner)
    expect.not_cancelled(
        board, ["a", "c"], hint="jobs that finish within the grace must be left to finish."
    )
    expect.cancelled(board, ["b"], hint=GRACE)
    cancelled_at = board.calls_for("b")[0].end
    expect.true(
        abs(cancelled_at - 2.5) <= 1e-6,
        expect.timeline(board) + f"\njob b was cancelled at {cancelled_at:g}s; expected 2.5s: "
        "request_stop() at 0.5s plus the 2s grace, not earlier, not later.",
        hint=GRACE,
    )
    expect.elapsed(
        took,
        2.0,
        what="run() after request_stop() (grace 2 s)",
        why="the grace, then the straggler is cancelled",
        services=[board],
        hint=GRACE,
    )
    expect.nothing_left_running(board, hint=CLEANUP)


@pytest.mark.points(1)
async def test_zero_grace_cancels_at_once(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=0, board=board)
    submit(service, board.job("a", 1.0), "job a (1 s)")
    await asyncio.sleep(0.5)
    took = await stop_and_wait(service, runner)
    expect.cancelled(
        board,
        ["a"],
        hint="with grace=0, jobs still running at request_stop() are cancelled at once.",
    )
    expect.elapsed(
        took, 0.0, what="run() after request_stop() with grace=0", services=[board], hint=GRACE
    )
    expect.nothing_left_running(board, hint=CLEANUP)


@pytest.mark.points(1)
async def test_a_failing_job_does_not_stop_the_service(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=5.0, board=board)
    submit(
        service, board.job("bad", 1.0, error=ValueError), "a job that raises ValueError after 1 s"
    )
    await asyncio.sleep(2.0)
    expect.true(
        not runner.done(),
        "run() ended when a job raised ValueError; a failed job must not stop the service.",
        hint="catch the job's Exception in the task that runs it (not "
        "CancelledError, which is a BaseException).",
    )
    submit(service, board.job("good", 1.0), "job good (1 s), after the failure")
    await asyncio.sleep(0.5)
    took = await stop_and_wait(service, runner)
    expect.elapsed(
        took,
        0.5,
        what="run() after request_stop() at 2.5 s",
        why="job good ends at 3 s",
        services=[board],
    )
    expect_no_loop_errors(
        during="a job failed inside the service",
        hint="the service owns its job tasks: retrieve how each one ended.",
    )
    expect.nothing_left_running(board, hint=CLEANUP)


@pytest.mark.points(1)
async def test_stop_twice_and_stop_before_run(kata):
    board = JobBoard()
    service, runner = await start(kata, grace=3.0, board=board)
    submit(service, board.job("long", 10.0), "job long (10 s)")
    await asyncio.sleep(1.0)
    service.request_stop()
    await asyncio.sleep(1.0)
    service.request_stop()  # a second signal must not restart the grace
    await runner
    loop = asyncio.get_running_loop()
    expect.cancelled(board, ["long"], hint=GRACE)
    expect.true(
        abs(board.calls_for("long")[0].end - 4.0) <= 1e-6,
        expect.timeline(board) + f"\nthe job was cancelled at {board.calls_for('long')[0].end:g}s; "
        "expected 4s: the grace counts from the *first* request_stop() (1s + 3s). Calling it "
        "again must change nothing.",
        hint="make request_stop idempotent: set an Event once; start the countdown only once.",
    )
    early = kata.Service(1.0)
    early.request_stop()
    start_at = loop.time()
    await early.run()
    expect.elapsed(
        loop.time() - start_at,
        0.0,
        what="run() on a service already told to stop",
        why="nothing to serve, nothing running",
        hint=NO_POLL,
    )
    expect.nothing_left_running(board, hint=CLEANUP)
    # request_stop() before run(), with a job running: the grace still counts from
    # request_stop() (1 s of it is left when run() starts 1 s later; none 3 s later).
    for run_after in (1.0, 3.0):
        await stop_before_run(kata, run_after)


async def stop_before_run(kata, run_after, grace=2.0):
    """A 10 s job, request_stop(), then run() `run_after` seconds later. The job may not be
    cancelled before request_stop() + grace, nor after that moment or run()'s start,
    whichever is later (a timer may cancel it before run() starts); run() returns then."""
    loop = asyncio.get_running_loop()
    board = JobBoard()
    service = kata.Service(grace)
    submit(service, board.job("job", 10.0), "a 10 s job, before run() started")
    await asyncio.sleep(0)
    service.request_stop()
    stopped = loop.time()
    await asyncio.sleep(run_after)
    await run_and_check(service, board)
    expect.cancelled(board, ["job"], hint=GRACE_FROM_STOP)
    took = board.calls_for("job")[0].end - stopped
    latest = max(grace, run_after)
    if not grace - 1e-6 <= took <= latest + 1e-6:
        expected = f"{grace:g}s" if latest == grace else f"between {grace:g}s and {latest:g}s"
        expect.fail(
            expect.timeline(board)
            + f"\nrequest_stop() at {stopped:g}s (grace {grace:g}s), then run() started "
            f"{run_after:g}s later: the job was cancelled {took:g}s after request_stop(); "
            f"expected {expected}. The grace counts from request_stop(), not from the moment "
            "run() started"
            + (
                ", so it was already over then: cancel at once what still runs."
                if run_after > grace
                else "."
            ),
            hint=GRACE_FROM_STOP,
        )
    expect.elapsed(
        loop.time() - stopped,
        latest,
        what=f"run() started {run_after:g}s after request_stop() (grace {grace:g}s)",
        why="run() returns at request_stop() + grace, or at once if that moment is past",
        services=[board],
        hint=GRACE_FROM_STOP,
    )
    expect.nothing_left_running(board, hint=CLEANUP)


DRIVER = textwrap.dedent(
    """
    import asyncio, importlib.util, signal, sys

    spec = importlib.util.spec_from_file_location("kata", sys.argv[1])
    kata = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kata)


    async def job(name, seconds):
        try:
            await asyncio.sleep(seconds)
            print(name, "done", flush=True)
        except asyncio.CancelledError:
            print(name, "cancelled", flush=True)
            raise


    async def main():
        service = kata.Service(float(sys.argv[2]))
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, service.request_stop)
        runner = asyncio.create_task(service.run())
        await asyncio.sleep(0)
        service.submit(lambda: job("short", 0.3))
        service.submit(lambda: job("long", 600))
        print("ready", flush=True)
        await runner
        print("stopped", flush=True)


    asyncio.run(main())
    """
)


def not_started_in_child():
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    return NotStarted(
        "not started yet: `Service` still raises NotImplementedError (in the child process "
        f"this test runs).\nRead {readme}, then replace the `raise NotImplementedError(...)` "
        "lines in kata.py with your code."
    )


#: Real seconds: the grace the child gets, and the most its shutdown may take.
CHILD_GRACE = 1.0
SHUTDOWN_BOUND = 5.0


@pytest.mark.points(2)
@pytest.mark.realtime
@pytest.mark.skipif(
    sys.platform == "win32", reason="Windows has no SIGTERM to send to a child process"
)
async def test_sigterm_stops_a_child_process_cleanly(kata, tmp_path):
    driver = tmp_path / "serve.py"
    driver.write_text(DRIVER)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(driver),
        kata.__file__,
        str(CHILD_GRACE),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ready = await asyncio.wait_for(proc.stdout.readline(), 20.0)
        if ready.strip() != b"ready":
            await asyncio.wait_for(proc.wait(), 5.0)
            err = (await proc.stderr.read()).decode(errors="replace")
            if "NotImplementedError" in err:
                raise not_started_in_child()
            expect.fail(
                f"the child process running a Service crashed before it was ready:\n{err[-1500:]}"
            )
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), SHUTDOWN_BOUND)
        except TimeoutError:
            expect.fail(
                f"after SIGTERM, the child process running a Service (grace {CHILD_GRACE:g}s) was "
                f"still running {SHUTDOWN_BOUND:g}s later (real time).",
                hint="request_stop() is called from a signal handler on the loop: it must wake "
                "run(), which then gives the jobs their grace, cancels the rest and returns.",
            )
        took = time.monotonic() - sent
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    out, err = out.decode(), err.decode(errors="replace")
    if "NotImplementedError" in err:
        raise not_started_in_child()
    expect.true(
        proc.returncode == 0,
        f"after SIGTERM the child exited with status {proc.returncode}; expected a clean exit (0)."
        f"\nits stderr:\n{err[-1500:]}",
    )
    lines = out.split()
    expect.true(
        "short done" in out and "long cancelled" in out and out.rstrip().endswith("stopped"),
        f"after SIGTERM the child printed:\n{out}\nexpected 'short done' (a 0.3 s job finishes within "
        f"the {CHILD_GRACE:g}s grace), then 'long cancelled' once the grace is over, then 'stopped' "
        "when run() returned.",
        hint=GRACE,
    )
    expect.true(
        took >= CHILD_GRACE * 0.9,
        f"the child stopped {took:.2f}s after SIGTERM, before its "
        f"{CHILD_GRACE:g}s grace was over ({lines}).",
        hint=GRACE,
    )
