import asyncio
import contextvars
import errno
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from graders import expect
from graders.timeline import Span, render, unicode_ok

pytestmark = pytest.mark.realtime

#: Real seconds a read may wait for the others it needs (only a wrong solution waits so long).
PATIENCE = 2.0
#: Real seconds read_all may take in any test before the test gives up on it.
BOUND = 10.0
#: Seconds after a failed read from which a new read counts as started after the failure.
LATE = 0.4
#: A context variable the tests set before calling read_all.
REQUEST = contextvars.ContextVar("request", default=None)

TO_THREAD = (
    "`await asyncio.to_thread(read_blocking, path)` runs one read in a worker thread and "
    "lets the loop serve other tasks until it is done."
)
LIMIT = (
    "hold a slot of an `asyncio.Semaphore(limit)` around each read, "
    "`async with slots: return await asyncio.to_thread(read_blocking, path)`, and start "
    "one task per path (a TaskGroup): the semaphore makes the extra ones wait their turn."
)


@dataclass
class Read:
    path: str
    start: float
    context: object  # what REQUEST held in the thread
    end: float | None = None
    outcome: str = "running"


class Reads:
    """The blocking ``read_blocking(path)`` handed to read_all, meant to run in threads.

    A read holds its thread (``hold`` seconds of time.sleep, or ``hold(path)``), then
    returns ``f"data:{path}"`` or raises FileNotFoundError for a path in ``missing``.
    With ``peak=n`` each read first waits (up to PATIENCE) until ``n`` reads are in
    flight at once, so a correct solution reaches its limit whatever the machine's load.
    The fake counts reads in flight with a lock, and records each read's times, outcome
    and the REQUEST context variable it saw.
    """

    def __init__(self, *, hold=0.05, missing=(), peak=0):
        self.loop_thread = threading.get_ident()
        self.t0 = time.monotonic()
        self.hold = hold
        self.missing = set(missing)
        self.peak = peak
        self.reads: list[Read] = []
        self.on_loop: list[str] = []  # paths read on the event loop's own thread
        self.in_flight = 0
        self.max_in_flight = 0
        self.gave_up = False
        self._lock = threading.Lock()
        self._peaked = threading.Event()

    def __call__(self, path):
        if threading.get_ident() == self.loop_thread:
            # Called straight from the coroutine. A real read would freeze the loop for
            # its whole duration; the fake answers at once and the test reports it.
            self.on_loop.append(path)
            return self._answer(path)
        read = Read(path, self._now(), REQUEST.get())
        with self._lock:
            self.reads.append(read)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.peak and self.in_flight >= self.peak:
                self._peaked.set()
        try:
            if self.peak and not self._peaked.wait(PATIENCE):
                self.gave_up = True
                self._peaked.set()
            if callable(self.hold):
                self.hold(path)
            else:
                time.sleep(self.hold)
            value = self._answer(path)
        except BaseException:
            read.outcome = "raised"
            raise
        else:
            read.outcome = "ok"
            return value
        finally:
            read.end = self._now()
            with self._lock:
                self.in_flight -= 1

    def _answer(self, path):
        if path in self.missing:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return f"data:{path}"

    def _now(self) -> float:
        return time.monotonic() - self.t0

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.reads]

    def timeline(self) -> str:
        now = self._now()
        spans = [
            Span(f"read({r.path!r})", r.start, r.end if r.end is not None else now, r.outcome)
            for r in sorted(self.reads, key=lambda r: r.start)
        ]
        return render(spans, unicode=unicode_ok()) + "\n(real time, in the worker threads)"


class Heartbeat:
    """A task that wakes every 10 ms and notes how late each wake-up came."""

    PERIOD = 0.01

    def __init__(self):
        self.latest = 0.0
        self.beats = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.PERIOD
            await asyncio.sleep(self.PERIOD)
            self.latest = max(self.latest, loop.time() - asked)
            self.beats += 1

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


async def bounded(awaitable, *, what, within=BOUND, hint=None):
    """Await ``awaitable``; fail with a message if it has not finished ``within`` seconds."""
    deadline = asyncio.timeout(within)
    try:
        async with deadline:
            return await awaitable
    except TimeoutError:
        if not deadline.expired():
            raise
    expect.fail(
        f"{what} had not returned after {within:g}s, although its reads take a second or "
        "two at most: is it waiting for something that never happens?",
        hint,
    )


async def settle(reads, within=5.0):
    """Wait until read_all left nothing behind: no task of its own, no read in a thread."""
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    deadline = loop.time() + within
    while loop.time() < deadline:
        others = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if not others and reads.in_flight == 0:
            return
        await asyncio.sleep(0.02)


def check_off_loop(reads):
    if reads.on_loop:
        expect.fail(
            f"read_blocking({reads.on_loop[0]!r}) was called directly in your coroutine, on "
            "the event loop's own thread. A blocking read there freezes the whole loop: no "
            "other task, timer or network reply can run until it returns.",
            hint=TO_THREAD,
        )


def show(paths) -> str:
    if len(paths) <= 4:
        return repr(paths)
    return f"[{paths[0]!r}, {paths[1]!r}, ... {paths[-1]!r}] ({len(paths)} paths)"


def reads_(n) -> str:
    return f"{n} read" if n == 1 else f"{n} reads"


def data(paths) -> dict:
    return {p: f"data:{p}" for p in paths}


@pytest.mark.points(2)
async def test_results_keyed_by_path(kata):
    paths = ["a.txt", "b.txt", "c.txt", "d.txt"]
    reads = Reads(hold=0.05)
    call = f"read_all({paths!r}, read_blocking, 2)"
    result = await bounded(kata.read_all(paths, reads, 2), what=call)
    check_off_loop(reads)
    expect.equal(
        result,
        data(paths),
        call=call,
        hint="return a dict mapping each path to what read_blocking(path) returned.",
    )
    counts = Counter(reads.paths)
    expect.true(
        counts == Counter(paths),
        f"each path should be read exactly once; yours read {dict(counts) or 'nothing'}.",
        hint="one read per path, no more.",
    )


@pytest.mark.points(3)
async def test_loop_stays_responsive(kata):
    paths = [f"f{i}.txt" for i in range(6)]
    reads = Reads(hold=0.4)
    loop = asyncio.get_running_loop()
    heartbeat = Heartbeat()
    await asyncio.sleep(0)  # end this step, so the measurement covers read_all alone
    loop.stats.max_step_cpu = 0.0
    call = f"read_all({show(paths)}, read_blocking, 3)"
    try:
        result = await bounded(kata.read_all(paths, reads, 3), what=call)
    finally:
        await heartbeat.stop()
    worst_cpu = loop.stats.max_step_cpu
    check_off_loop(reads)
    expect.equal(result, data(paths), call=call)
    expect.true(
        heartbeat.latest < 0.2,
        f"while six reads of 0.4s each ran, another task that asked to wake up every 10 ms "
        f"was held up for {heartbeat.latest * 1000:.0f} ms: the event loop was blocked while "
        "it waited for the reads.",
        hint="never wait for a thread with a blocking call (future.result(), pool.map, "
        "thread.join) inside a coroutine: `await` it. " + TO_THREAD,
    )
    expect.true(
        worst_cpu <= 0.05,
        f"while the reads ran, one step of the event loop used {worst_cpu * 1000:.0f} ms of "
        "CPU without awaiting (the limit is 50 ms): is a loop checking whether the threads "
        "are done, instead of awaiting them?",
        hint=TO_THREAD,
    )


@pytest.mark.points(3)
async def test_at_most_limit_reads_at_once(kata):
    for limit, n in ((1, 3), (3, 7), (5, 5)):
        paths = [f"p{i}.txt" for i in range(n)]
        expected = min(limit, n)
        reads = Reads(hold=0.15, peak=expected)
        call = f"read_all({show(paths)}, read_blocking, {limit})"
        result = await bounded(kata.read_all(paths, reads, limit), what=call)
        check_off_loop(reads)
        expect.equal(result, data(paths), call=call)
        got = reads.max_in_flight
        if got > expected:
            expect.fail(
                reads.timeline() + f"\nwith {call}, at most {reads_(limit)} should run in "
                f"threads at once; yours had {got} running at the same time.",
                hint="a read must hold its slot until its thread is done. " + LIMIT,
            )
        if got < expected:
            expect.fail(
                reads.timeline() + f"\nwith {call}, {reads_(expected)} should run in threads "
                f"at the same time; yours never had more than {got} at once.",
                hint="start the reads together, do not await each before starting the next. "
                + LIMIT,
            )


@pytest.mark.points(2)
async def test_slow_read_does_not_hold_up_the_others(kata):
    big = "big.bin"
    small = [f"s{i}.txt" for i in range(5)]
    paths = [big, *small]
    finished: list[str] = []
    small_done = threading.Event()
    held_up: list[int] = []  # small files read when 'big.bin' gave up waiting for them

    def hold(path):
        if path == big:  # a slow read: ends once every small file has been read
            if not small_done.wait(PATIENCE):
                held_up.append(len(finished))
        else:
            time.sleep(0.05)
            finished.append(path)
            if len(finished) == len(small):
                small_done.set()

    reads = Reads(hold=hold)
    call = f"read_all({show(paths)}, read_blocking, 2)"
    result = await bounded(kata.read_all(paths, reads, 2), what=call)
    check_off_loop(reads)
    expect.equal(result, data(paths), call=call)
    expect.true(
        not held_up,
        reads.timeline() + f"\nwith {call}, 'big.bin' takes long while the five small files "
        "are quick: they should all be read through the second slot while 'big.bin' is "
        f"still being read. Yours waited for it: only {held_up[0] if held_up else 5} of 5 "
        f"small files had been read after {PATIENCE:g}s.",
        hint="a sliding window, not batches: as soon as one read ends, the next path starts. "
        + LIMIT,
    )


@pytest.mark.points(2)
async def test_caller_context_reaches_the_threads(kata):
    paths = ["a.txt", "b.txt", "c.txt"]
    reads = Reads(hold=0.02)
    call = f"read_all({paths!r}, read_blocking, 2)"
    token = REQUEST.set("req-42")
    try:
        result = await bounded(kata.read_all(paths, reads, 2), what=call)
    finally:
        REQUEST.reset(token)
    check_off_loop(reads)
    expect.equal(result, data(paths), call=call)
    wrong = [r for r in reads.reads if r.context != "req-42"]
    expect.true(
        not wrong,
        "the caller set a context variable (request = 'req-42') before calling read_all, "
        f"but in its thread read_blocking({wrong[0].path!r}) saw {wrong[0].context!r}: "
        "the thread did not run in the caller's context."
        if wrong
        else "",
        hint="asyncio.to_thread runs the function in a copy of the current context; "
        "loop.run_in_executor does not (there, pass `contextvars.copy_context().run, "
        "read_blocking, path`).",
    )


@pytest.mark.points(2)
async def test_error_propagates_and_no_new_read_starts(kata):
    limit = 2
    paths = ["missing.txt"] + [f"p{i}.txt" for i in range(1, 6)]

    def hold(path):
        time.sleep(0.02 if path == "missing.txt" else 0.8)

    reads = Reads(hold=hold, missing={"missing.txt"})
    call = f"read_all({show(paths)}, read_blocking, {limit})"
    err = await bounded(
        expect.raises(
            FileNotFoundError,
            kata.read_all(paths, reads, limit),
            call=call + " where read_blocking('missing.txt') raises FileNotFoundError",
            hint="let the error propagate out of read_all (a TaskGroup's ExceptionGroup "
            "around it is fine too).",
            allow_group=True,
        ),
        what=call,
    )
    await settle(reads)
    check_off_loop(reads)
    expect.equal(
        err.filename,
        "missing.txt",
        call="the error's filename (read_all raised a FileNotFoundError, but another one)",
    )
    # When 'missing.txt' fails, its slot frees up and one more read may slip in at that
    # very moment (its thread may start a little later on a busy machine). The other
    # reads take 0.8s: a read starting long after the failure was started by a task that
    # went on after read_all had given up.
    failed = next(r for r in reads.reads if r.path == "missing.txt")
    late = [r.path for r in reads.reads if r.start >= failed.end + LATE]
    if late:
        expect.fail(
            reads.timeline() + "\nread_blocking('missing.txt') failed at once, yet your code "
            f"went on reading {', '.join(map(repr, late))} after that. Once a read has failed, "
            "read_all raises, and the paths still waiting for a slot must never be read.",
            hint="asyncio.gather leaves the other tasks running after the first error; a "
            "TaskGroup cancels them (threads already reading cannot be stopped, but the "
            "waiting tasks never start theirs).",
        )


@pytest.mark.points(1)
async def test_limit_below_one_is_refused(kata):
    for limit in (0, -1):
        reads = Reads()
        call = f"read_all(['a.txt'], read_blocking, {limit})"
        await bounded(
            expect.raises(
                ValueError,
                kata.read_all(["a.txt"], reads, limit),
                call=call,
                hint="check `limit` first: `if limit < 1: raise ValueError(...)`.",
            ),
            what=call,
            within=2.0,
            hint=f"with limit {limit} no read could ever start: check `limit` first and "
            "raise ValueError.",
        )
        expect.true(
            not reads.reads and not reads.on_loop,
            f"{call} read {reads.paths or reads.on_loop} before refusing the limit; check "
            "`limit` before reading anything.",
        )


@pytest.mark.points(1)
async def test_no_paths(kata):
    reads = Reads()
    result = await bounded(kata.read_all([], reads, 3), what="read_all([], read_blocking, 3)")
    expect.equal(result, {}, call="read_all([], read_blocking, 3)", hint="no paths, no reads: {}")
    expect.true(
        not reads.reads and not reads.on_loop, "read_all([], ...) should not read anything."
    )
