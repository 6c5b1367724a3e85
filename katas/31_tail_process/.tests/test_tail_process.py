import asyncio
import subprocess
import sys

import pytest

from graders import child_processes, expect

pytestmark = [
    pytest.mark.realtime,
    pytest.mark.skipif(
        sys.platform == "win32",
        reason="asyncio subprocesses need the Proactor event loop on Windows",
    ),
]

# The children the tests tail: each notes its pid in a file first, then behaves
# according to its mode.
CHILD = """\
import os, sys, time
pidfile, mode = sys.argv[1:3]
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
out = sys.stdout.buffer
if mode == "write":  # write these bytes (in hex), exit with this code
    out.write(bytes.fromhex(sys.argv[3]))
    out.flush()
    sys.exit(int(sys.argv[4]))
if mode == "wait":  # print a line, wait for the test's go-file, print another, exit 0
    out.write(b"first\\n")
    out.flush()
    with open(pidfile + ".printed", "w"):
        pass
    deadline = time.monotonic() + 30
    while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
        time.sleep(0.01)
    out.write(b"second\\n")
    out.flush()
    sys.exit(0)
if mode == "sleep":  # print a line, then sleep for a minute
    out.write(b"ready\\n")
    out.flush()
    time.sleep(60)
if mode == "flood":  # print a line, then 16 MiB of lines as fast as the pipe takes them
    out.write(b"ready\\n")
    out.flush()
    for _ in range(16):
        out.write((b"x" * 63 + b"\\n") * 16384)
        out.flush()
    time.sleep(60)
"""

STREAM = (
    "read and yield one line at a time, as soon as it is complete: `async for line in "
    "proc.stdout: yield line.decode().removesuffix('\\n')`. communicate() or read() wait "
    "for the end of the output, that is for the child to exit."
)
RAISE = (
    "after the last line, `returncode = await proc.wait()`; if it is not 0, "
    "`raise subprocess.CalledProcessError(returncode, cmd)`."
)
CLEANUP = (
    "put the loop in `try: ... finally:`; in the `finally`, `if proc.returncode is None:` "
    "kill the child (`proc.kill()`) and reap it (`await proc.communicate()`). The `finally` "
    "runs whichever way the generator ends: aclose() (GeneratorExit at the `yield`), the "
    "consumer cancelled (CancelledError at an `await`), or an error."
)
REAP_AFTER_KILL = (
    "after `proc.kill()`, reap with `await proc.communicate()`, not `await proc.wait()`: "
    "asyncio's wait() returns only once it has also seen the end of the output, and output "
    "nobody reads stops being read when 128 KiB are waiting, so the end is never seen. "
    "communicate() reads (and drops) what is left, then waits."
)


class Child:
    """One child the test tails: its argv and, once it has started, its pid."""

    def __init__(self, tmp_path, mode, *args):
        script = tmp_path / "child.py"
        if not script.exists():
            script.write_text(CHILD)
        self.pidfile = tmp_path / f"{mode}.pid"
        self.printed = tmp_path / f"{mode}.pid.printed"
        self.cmd = [sys.executable, "-S", str(script), str(self.pidfile), mode, *map(str, args)]
        self.baseline = child_processes.children()
        self.process = None

    @property
    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def pids(self) -> list[int]:
        return [self.pid] if self.pid is not None else []

    def grab_process(self) -> None:
        """Find the asyncio Process the learner's generator holds (if it uses one)."""
        self.process = child_processes.asyncio_process(self.pid) if self.pid else None

    def reaped_now(self) -> bool | None:
        """Has the learner's code waited for the exit? Read in the step its code ended:
        `returncode` is set only by a loop callback after the reaping, so this does not
        race with the child's death. None if it holds no asyncio Process."""
        return None if self.process is None else self.process.returncode is not None

    async def expect_gone(self, when: str, hint: str = CLEANUP, reaped: bool | None = None):
        """No task left, the child gone (reaped), and, if `reaped` was read at the very
        moment the learner's code ended, it had waited for the child's exit by then."""
        expect.nothing_left_running(
            hint="run everything inside the generator itself; if you start helper tasks, "
            "cancel and await them in the generator's `finally`."
        )
        left = await child_processes.left_after(self.pids(), self.baseline, grace=1.0)
        if left:
            what = (
                "was still running"
                if child_processes.RUNNING in left.values()
                else "had ended but was never waited for (a zombie)"
            )
            expect.fail(
                f"{when}, the child process {what}. The child must be killed and reaped "
                "(waited for) before the generator finishes.",
                hint,
            )
        if reaped is False:
            expect.fail(
                f"{when}, nothing had waited for the child's exit yet (its `proc.returncode` "
                "was still None): killing only sends a signal; the child must also be "
                "reaped before the generator finishes.",
                REAP_AFTER_KILL,
            )

    async def cleanup(self, agen=None) -> None:
        if agen is not None:
            try:
                async with asyncio.timeout(2):
                    await agen.aclose()
            except BaseException as exc:  # the learner's code misbehaving: cleanup goes on
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
        await child_processes.kill_leftovers(self.pids(), self.baseline)


async def within(seconds, awaitable, *, what, hint=None, why=""):
    """Await the learner's code, failing (not hanging) if it takes over `seconds`."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await awaitable
    except TimeoutError:
        if not deadline.expired():
            raise
    expect.fail(f"{what} was still waiting after {seconds:g}s (real time){why}.", hint)


async def drain(agen, seconds, what):
    """Every remaining line, then the error that ended the iteration (or None)."""
    lines, error = [], None

    async def pull():
        nonlocal error
        try:
            async for line in agen:
                lines.append(line)
        except NotImplementedError:
            raise
        except Exception as exc:
            error = exc

    await within(seconds, pull(), what=what)
    return lines, error


@pytest.mark.points(2)
async def test_lines_come_through_exactly(kata, tmp_path):
    text = "alpha\n  indented  \n\ncafé ☕\nno newline at the end"
    child = Child(tmp_path, "write", text.encode().hex(), 0)
    agen = kata.tail(child.cmd)
    what = "tail(cmd) for a child writing 5 lines and exiting 0"
    try:
        lines, error = await drain(agen, 10, what)
        if error is not None:
            expect.fail(
                f"{what} raised {type(error).__name__}: {error}, after yielding {lines!r}.",
                hint=STREAM,
            )
        expected = ["alpha", "  indented  ", "", "café ☕", "no newline at the end"]
        expect.true(
            lines == expected,
            f"{what} yielded {lines!r}\nexpected {expected!r}",
            hint="yield each line decoded from UTF-8, exactly as written but without its "
            "'\\n' (keep its spaces; an empty line is ''), the last one even without a "
            "'\\n' at its end.",
        )
        await child.expect_gone("once tail(cmd) had yielded its last line and ended", RAISE)
    finally:
        await child.cleanup(agen)


@pytest.mark.points(3)
async def test_a_line_arrives_before_the_child_exits(kata, tmp_path):
    go = tmp_path / "go"
    child = Child(tmp_path, "wait", go)
    agen = kata.tail(child.cmd)
    what = "tail(cmd) for a child that prints 'first', then waits for the test before exiting"
    try:
        deadline = asyncio.timeout(5)
        try:
            async with deadline:
                first = await anext(agen)
        except TimeoutError:
            if not deadline.expired():
                raise
            printed = " had printed 'first' at once, and" if child.printed.exists() else ""
            expect.fail(
                f"{what}: the consumer was still waiting for the first line after 5s (real "
                f"time). The child{printed} does not exit until the test has received that "
                "line: the generator must yield each line while the child is still running.",
                hint=STREAM,
            )
        expect.equal(first, "first", call=f"{what}: the first line")
        go.touch()
        rest, error = await drain(agen, 10, f"{what}: after 'first', the consumer")
        expect.true(
            error is None and rest == ["second"],
            f"{what}: after 'first' the generator yielded {rest!r}"
            + (f" and raised {type(error).__name__}: {error}" if error else "")
            + "; expected ['second'], then the end (the child exits 0).",
            hint=STREAM,
        )
        await child.expect_gone("once tail(cmd) had ended", RAISE)
    finally:
        go.touch()
        await child.cleanup(agen)


@pytest.mark.points(2)
async def test_a_failing_child_raises_after_its_lines(kata, tmp_path):
    child = Child(tmp_path, "write", b"one\ntwo\n".hex(), 3)
    agen = kata.tail(child.cmd)
    what = "tail(cmd) for a child printing 'one' and 'two', then exiting with status 3"
    try:
        lines, error = await drain(agen, 10, what)
        expect.true(
            lines == ["one", "two"],
            f"{what} yielded {lines!r} before its error; expected ['one', 'two'].",
            hint="yield every line first; raise only once the output has ended.",
        )
        if not isinstance(error, subprocess.CalledProcessError):
            got = "ended without an error" if error is None else f"raised {error!r}"
            expect.fail(
                f"{what} {got}; expected subprocess.CalledProcessError(3, cmd).", hint=RAISE
            )
        expect.true(
            error.returncode == 3 and list(error.cmd) == child.cmd,
            f"{what} raised CalledProcessError(returncode={error.returncode!r}, "
            f"cmd={error.cmd!r}); expected returncode 3 and cmd the argv list tail() was "
            "given.",
            hint=RAISE,
        )
        await child.expect_gone("once tail(cmd) had raised", RAISE)
    finally:
        await child.cleanup(agen)


async def first_line_then_close(kata, child, what, *, settle=0.0, hint=CLEANUP):
    agen = kata.tail(child.cmd)
    try:
        first = await within(
            5,
            anext(agen),
            what=f"{what}: the consumer",
            why=" for the first line (the child printed 'ready' at once and is still running)",
            hint=STREAM,
        )
        expect.equal(first, "ready", call=f"{what}: the first line")
        child.grab_process()
        if settle:
            await asyncio.sleep(settle)
        await within(
            5,
            agen.aclose(),
            what=f"{what}: aclose()",
            why=": closing should kill the child and return at once",
            hint=hint,
        )
        reaped = child.reaped_now()  # in the step aclose() returned
        await child.expect_gone(f"{what}: when aclose() returned", reaped=reaped)
    finally:
        await child.cleanup(agen)


@pytest.mark.points(3)
async def test_aclose_kills_the_child(kata, tmp_path):
    child = Child(tmp_path, "sleep")
    what = "tail(cmd) for a child that prints 'ready', then sleeps 60s, closed after 'ready'"
    await first_line_then_close(kata, child, what)


@pytest.mark.points(2)
async def test_aclose_while_the_child_floods_its_output(kata, tmp_path):
    child = Child(tmp_path, "flood")
    what = (
        "tail(cmd) for a child that prints 'ready', then 16 MiB of lines as fast as it can, "
        "closed 0.5s after 'ready'"
    )
    await first_line_then_close(kata, child, what, settle=0.5, hint=REAP_AFTER_KILL)


@pytest.mark.points(2)
async def test_cancelling_the_consumer_kills_the_child(kata, tmp_path):
    child = Child(tmp_path, "sleep")
    agen = kata.tail(child.cmd)
    what = "tail(cmd) for a child that prints 'ready', then sleeps 60s"
    got = []
    reaped = []

    async def consume():
        try:
            async for line in agen:
                got.append(line)
                child.grab_process()
        except asyncio.CancelledError:
            reaped.append(child.reaped_now())  # in the step the generator let it out
            raise

    consumer = asyncio.create_task(consume())
    try:
        await within(
            5,
            asyncio.shield(_until(lambda: got or consumer.done())),
            what=f"{what}: the consumer",
            why=" for the first line (the child printed 'ready' at once and is still running)",
            hint=STREAM,
        )
        if consumer.done():
            consumer.result()  # the stub's NotImplementedError, or the learner's error
        expect.equal(got, ["ready"], call=f"{what}: the first line")
        consumer.cancel()
        done, _ = await asyncio.wait([consumer], timeout=5)
        expect.true(
            bool(done),
            f"{what}: the consumer was cancelled while waiting for the next line, and was "
            "still running 5s later: is CancelledError caught, or the child waited for "
            "without being killed?",
            hint=CLEANUP,
        )
        if not consumer.cancelled():
            error = consumer.exception()
            if isinstance(error, NotImplementedError):
                raise error
            expect.fail(
                f"{what}: the consumer was cancelled while waiting for the next line, but it "
                + (f"ended with {error!r}" if error else "ended normally")
                + "; expected the CancelledError to propagate out of the generator.",
                hint=CLEANUP,
            )
        await child.expect_gone(
            f"{what}: once the consumer had been cancelled (waiting for the next line)",
            reaped=reaped[0] if reaped else None,
        )
    finally:
        consumer.cancel()
        await asyncio.wait([consumer], timeout=5)
        await child.cleanup(agen)


async def _until(condition, poll=0.02):
    while not condition():
        await asyncio.sleep(poll)
