import asyncio
import sys
import time
from dataclasses import dataclass

import pytest

from graders import child_processes, expect
from graders.timeline import Span, render, unicode_ok

pytestmark = [
    pytest.mark.realtime,
    pytest.mark.skipif(
        sys.platform == "win32",
        reason="asyncio subprocesses need the Proactor event loop on Windows",
    ),
]

# Every command the tests run is this little program: it notes when it starts and ends
# (with its pid) in a shared log, writes its output, sleeps, and exits with a code.
CHILD = """\
import os, sys, time
log, name, out, sleep, code = sys.argv[1:6]
def note(event):
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{event} {name} {os.getpid()} {time.monotonic():.6f}\\n".encode())
    finally:
        os.close(fd)
note("start")
if out.startswith("@"):
    data = b"".join(b"%031d\\n" % i for i in range(int(out[1:]) // 32))
else:
    data = out.encode()
sys.stdout.buffer.write(data)
sys.stdout.buffer.flush()
time.sleep(float(sleep))
note("end")
sys.exit(int(code))
"""

MEGABYTE = 1024 * 1024
BIG = b"".join(b"%031d\n" % i for i in range(MEGABYTE // 32))

SLOTS = (
    "take a slot before starting a command and give it back when it has ended: "
    "`asyncio.Semaphore(limit)`, with `async with sem:` around the whole run of one "
    "command, in a task per command."
)
READ_WHILE_WAITING = (
    "read the output while waiting for the exit: `out, _ = await proc.communicate()` does "
    "both at once. `await proc.wait()` first, then reading, deadlocks as soon as the output "
    "is bigger than the pipe's buffer."
)
KILL_AND_REAP = (
    "on timeout, `proc.kill()` and then `await proc.wait()`: the wait reaps the child (no "
    "zombie) and sets `proc.returncode` (negative: killed by a signal). Put it in a "
    "`finally:` so it also happens when run_all is cancelled."
)


@dataclass
class Event:
    what: str  # start | end
    name: str
    pid: int
    at: float


class Lab:
    """The child program, its log, and cleanup of anything the learner leaves behind."""

    def __init__(self, tmp_path):
        self.script = tmp_path / "child.py"
        self.script.write_text(CHILD)
        self.log = tmp_path / "events.log"
        self.described: dict[str, str] = {}
        self.baseline = child_processes.children()
        self.t0 = time.monotonic()

    def cmd(self, name, out="", sleep=0.0, code=0):
        parts = []
        if out.startswith("@"):
            parts.append(f"prints {int(out[1:]) // 1024} KiB")
        elif out:
            parts.append(f"prints {out!r}")
        if sleep:
            parts.append(f"sleeps {sleep:g}s")
        parts.append(f"exits {code}")
        self.described[name] = f"command {name!r} ({', '.join(parts)})"
        return [
            sys.executable,
            "-S",
            str(self.script),
            str(self.log),
            name,
            out,
            str(sleep),
            str(code),
        ]

    def events(self) -> list[Event]:
        try:
            text = self.log.read_text()
        except FileNotFoundError:
            return []
        events = []
        for line in text.split("\n")[:-1]:  # complete lines only
            what, name, pid, at = line.split()
            events.append(Event(what, name, int(pid), float(at)))
        return events

    def pids(self) -> dict[int, str]:
        return {e.pid: e.name for e in self.events() if e.what == "start"}

    def started(self) -> list[str]:
        return [e.name for e in self.events() if e.what == "start"]

    def peak(self) -> int:
        """The most commands running at once, replaying the log in its (exact) order."""
        live = peak = 0
        for event in self.events():
            live += 1 if event.what == "start" else -1
            peak = max(peak, live)
        return peak

    def timeline(self) -> str:
        now = time.monotonic()
        starts, spans = {}, []
        for event in self.events():
            if event.what == "start":
                starts[event.name] = event.at
            else:
                spans.append(Span(event.name, starts.pop(event.name) - self.t0, event.at - self.t0))
        spans += [Span(name, at - self.t0, now - self.t0, "running") for name, at in starts.items()]
        spans.sort(key=lambda s: s.start)
        return render(spans, unicode=unicode_ok())

    async def expect_nothing_left(self, call: str) -> None:
        """Every child started has ended and been reaped (asyncio gets a moment to reap
        one killed just before run_all returned: that check is deterministic, where one
        at the very instant would race with the child's death). Tasks are checked first,
        at the very instant run_all ended."""
        expect.nothing_left_running(
            hint="run_all must end only once every task it started has ended, cleanup "
            "included: an asyncio.TaskGroup waits for all of them, also after an error or a "
            "cancellation; asyncio.gather does not wait for the others once one has failed "
            "or been cancelled."
        )
        left = await child_processes.left_after(self.pids(), self.baseline, grace=1.0)
        if left:
            names = self.pids()
            lines = []
            for pid, state in sorted(left.items()):
                who = self.described.get(names.get(pid), f"a child process (pid {pid})")
                if state == child_processes.ZOMBIE:
                    lines.append(f"{who} had ended but was never waited for (a zombie)")
                else:
                    lines.append(f"{who} was still running")
            expect.fail(
                f"{call} returned, but left child processes behind:\n"
                + "\n".join(f"  - {line}" for line in lines)
                + "\nEvery child must have ended and been waited for (reaped) by the time "
                "run_all returns.",
                hint=KILL_AND_REAP,
            )

    async def cleanup(self) -> None:
        await child_processes.kill_leftovers(self.pids(), self.baseline)


async def within(seconds, awaitable, *, call, hint=None, why=""):
    """Await the learner's code, failing (not hanging) if it takes over `seconds`."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await awaitable
    except TimeoutError:
        if not deadline.expired():
            raise
    expect.fail(f"{call} was still running after {seconds:g}s (real time){why}.", hint)


def show(result) -> str:
    if not isinstance(result, list):
        return repr(result)
    shown = []
    for item in result:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            out = item[1] if len(item[1]) <= 40 else f"<{len(item[1])} bytes>"
            shown.append(
                f"({item[0]!r}, {out!r})" if isinstance(out, bytes) else f"({item[0]!r}, {out})"
            )
        else:
            shown.append(repr(item))
    return "[" + ", ".join(shown) + "]"


def expect_results(result, expected, *, call, hint=None) -> None:
    if result != expected:
        expect.fail(f"{call} returned {show(result)}\nexpected {show(expected)}", hint)


@pytest.mark.points(2)
async def test_results_in_input_order(kata, tmp_path):
    lab = Lab(tmp_path)
    cmds = [
        lab.cmd("a", out="alpha\n", sleep=0.4),
        lab.cmd("b", out="beta\n", code=3),
        lab.cmd("c"),
        lab.cmd("d", out="delta\nmore\n", code=1),
    ]
    call = "run_all([a, b, c, d], 4, None)"
    try:
        result = await within(10, kata.run_all(cmds, 4, None), call=call)
        expect_results(
            result,
            [(0, b"alpha\n"), (3, b"beta\n"), (0, b""), (1, b"delta\nmore\n")],
            call=call + " (a prints 'alpha' and sleeps 0.4s, b prints 'beta' and exits 3, "
            "c prints nothing, d prints two lines and exits 1)",
            hint="one (returncode, stdout bytes) tuple per command, in the order of `cmds` "
            "(not the order they finish); a non-zero exit is a result, not an error.",
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(2)
async def test_a_megabyte_of_output_does_not_deadlock(kata, tmp_path):
    lab = Lab(tmp_path)
    cmds = [lab.cmd("big", out=f"@{MEGABYTE}"), lab.cmd("small", out="ok\n")]
    call = "run_all([big, small], 2, 4.0) where big prints 1 MiB"
    try:
        result = await within(
            8,
            kata.run_all(cmds, 2, 4.0),
            call=call,
            why=": a child writing more than a pipe holds (64 KiB) waits for someone to read, "
            "so waiting for its exit before reading its output waits forever",
            hint=READ_WHILE_WAITING,
        )
        expected = [(0, BIG), (0, b"ok\n")]
        if isinstance(result, list) and result and result[0] != expected[0]:
            got = result[0]
            killed = isinstance(got, tuple) and isinstance(got[0], int) and got[0] < 0
            expect.fail(
                f"{call} returned {show(result)}\nexpected {show(expected)}"
                + (
                    "\nbig was killed by your timeout: it could not finish writing its output "
                    "because nobody read the pipe while it was running (it was waiting for its "
                    "exit first)."
                    if killed
                    else ""
                ),
                hint=READ_WHILE_WAITING,
            )
        expect_results(result, expected, call=call)
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(3)
async def test_at_most_limit_at_once_and_they_overlap(kata, tmp_path):
    lab = Lab(tmp_path)
    names = "abcdef"
    cmds = [lab.cmd(name, out=f"{name}\n", sleep=0.6) for name in names]
    call = "run_all(6 commands sleeping 0.6s each, limit=3, timeout=20)"
    loop = asyncio.get_running_loop()
    try:
        start = loop.time()
        result = await within(15, kata.run_all(cmds, 3, 20.0), call=call, hint=SLOTS)
        took = loop.time() - start
        expect_results(result, [(0, f"{n}\n".encode()) for n in names], call=call)
        peak = lab.peak()
        expect.true(
            peak <= 3,
            lab.timeline() + f"\nwith limit=3, {peak} commands were running at the same time "
            "(each command noted its start and end); expected at most 3.",
            hint=SLOTS,
        )
        expect.true(
            peak == 3,
            lab.timeline() + f"\nwith limit=3 and 6 commands, at most {peak} ran at the same "
            "time; expected 3 at once (the limit is also how many should run together).",
            hint=SLOTS,
        )
        expect.true(
            took <= 2.8,
            lab.timeline() + f"\n{call} took {took:.2f}s; two rounds of three 0.6s commands "
            "take about 1.2s (allowed: up to 2.8s). One after another they take 3.6s.",
            hint=SLOTS,
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(1)
async def test_a_free_slot_is_used_at_once(kata, tmp_path):
    lab = Lab(tmp_path)
    cmds = [lab.cmd("slow", sleep=1.2)] + [lab.cmd(n, sleep=0.1) for n in ("b", "c", "d")]
    call = "run_all([slow (1.2s), b, c, d (0.1s each)], 2, 20)"
    try:
        result = await within(15, kata.run_all(cmds, 2, 20.0), call=call, hint=SLOTS)
        expect_results(result, [(0, b"")] * 4, call=call)
        order = [(e.what, e.name) for e in lab.events()]
        slow_end = order.index(("end", "slow")) if ("end", "slow") in order else len(order)
        expect.true(
            lab.peak() <= 2,
            lab.timeline() + f"\nwith limit=2, {lab.peak()} commands ran at once.",
            hint=SLOTS,
        )
        expect.true(
            ("start", "c") in order[:slow_end],
            lab.timeline() + "\nwith limit=2, c only started after slow had ended, although b "
            "had freed its slot long before: the next command must start the moment any "
            "running one ends (a sliding window, not batches).",
            hint=SLOTS,
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(3)
async def test_a_slow_command_is_killed_and_reaped(kata, tmp_path):
    lab = Lab(tmp_path)
    cmds = [
        lab.cmd("a", out="a\n"),
        lab.cmd("stuck", out="partial\n", sleep=60),
        lab.cmd("c", out="c\n"),
    ]
    call = "run_all([a, stuck, c], 3, 1.0) where stuck prints a line, then sleeps 60s"
    loop = asyncio.get_running_loop()
    try:
        start = loop.time()
        result = await within(
            10,
            kata.run_all(cmds, 3, 1.0),
            call=call,
            why=": stuck should have been killed at 1.0s",
            hint=KILL_AND_REAP,
        )
        took = loop.time() - start
        stuck = result[1] if isinstance(result, list) and len(result) == 3 else None
        never_waited = isinstance(stuck, tuple) and stuck[:1] == (None,)
        expect.true(
            isinstance(stuck, tuple)
            and len(stuck) == 2
            and isinstance(stuck[0], int)
            and stuck[0] < 0,
            f"{call} returned {show(result)}\nexpected stuck's returncode to be negative "
            "(killed by a signal), as `proc.returncode` is once the killed child has been "
            "waited for."
            + (" A returncode of None means it was never waited for." if never_waited else ""),
            hint=KILL_AND_REAP,
        )
        expect_results(
            result,
            [(0, b"a\n"), (result[1][0], b""), (0, b"c\n")],
            call=call,
            hint="a command that timed out gives (its negative returncode, b''): the output "
            "of a killed command is incomplete, so it is dropped.",
        )
        expect.true(
            took < 1.0 + 4,
            f"{call} took {took:.2f}s; stuck should be killed at 1.0s.",
            hint=KILL_AND_REAP,
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(1)
async def test_timeout_counts_from_each_commands_start(kata, tmp_path):
    lab = Lab(tmp_path)
    names = "abcd"
    cmds = [lab.cmd(n, out=f"{n}\n", sleep=0.4) for n in names]
    call = "run_all(4 commands sleeping 0.4s each, limit=1, timeout=1.5)"
    try:
        result = await within(15, kata.run_all(cmds, 1, 1.5), call=call)
        expect_results(
            result,
            [(0, f"{n}\n".encode()) for n in names],
            call=call,
            hint="each command gets `timeout` seconds from the moment it starts; the time it "
            "spends waiting for a free slot does not count. Start the timeout inside the "
            "semaphore, around the run of the command alone.",
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(2)
async def test_cancelling_run_all_kills_its_children(kata, tmp_path):
    lab = Lab(tmp_path)
    cmds = [lab.cmd(n, sleep=60) for n in "abc"]
    call = "run_all([a, b, c] each sleeping 60s, 2, None)"
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(kata.run_all(cmds, 2, None))
    try:
        deadline = loop.time() + 15
        while len(lab.started()) < 2 and not task.done() and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if task.done():
            task.result()  # the stub's NotImplementedError, or the learner's error
            expect.fail(f"{call} returned before its commands had ended.")
        expect.true(
            len(lab.started()) >= 2,
            f"{call}: after 15s only {lab.started()} had started; expected a and b at once.",
            hint=SLOTS,
        )
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5)
        expect.true(
            bool(done),
            f"{call} was cancelled while a and b were running, and had still not ended 5s "
            "later: is CancelledError caught, or the children waited for without being killed?",
            hint=KILL_AND_REAP,
        )
        if not task.cancelled():
            error = task.exception()
            if isinstance(error, NotImplementedError):
                raise error
            expect.fail(
                f"{call} was cancelled, but it ended with "
                + (f"{type(error).__name__}: {error}" if error else f"{task.result()!r}")
                + "; expected the CancelledError to propagate.",
                hint=KILL_AND_REAP,
            )
        await lab.expect_nothing_left(f"{call}, cancelled while a and b were running,")
    finally:
        task.cancel()
        await asyncio.wait([task], timeout=5)
        await lab.cleanup()


@pytest.mark.points(1)
async def test_a_command_that_cannot_start(kata, tmp_path):
    lab = Lab(tmp_path)
    missing = str(tmp_path / "no-such-program")
    cmds = [lab.cmd("stuck", sleep=60), lab.cmd("b", sleep=0.5), [missing]]
    call = "run_all([stuck (60s), b (0.5s), [missing program]], 2, None)"
    try:
        await within(
            10,
            expect.raises(
                FileNotFoundError,
                kata.run_all(cmds, 2, None),
                call=call,
                allow_group=True,
                hint="let the error of a command that cannot start propagate (alone or in an "
                "ExceptionGroup).",
            ),
            call=call,
            why=": with limit=2, the missing program is tried when b ends (about 0.5s), and its "
            "error should end run_all at once",
            hint="if a command cannot start, kill and reap the commands still running, then "
            "let the error propagate: in a TaskGroup, the other tasks are cancelled for you, "
            "and a `finally:` in each kills its child.",
        )
        expect.true(
            "stuck" in lab.started(),
            f"{call}: stuck never started; with limit=2, stuck and b start first.",
            hint=SLOTS,
        )
        await lab.expect_nothing_left(call)
    finally:
        await lab.cleanup()


@pytest.mark.points(1)
async def test_no_commands_and_a_bad_limit(kata, tmp_path):
    lab = Lab(tmp_path)
    result = await within(10, kata.run_all([], 3, 1.0), call="run_all([], 3, 1.0)")
    expect.equal(result, [], call="run_all([], 3, 1.0)", hint="no commands: return [].")
    try:
        for limit in (0, -1):
            call = f"run_all([a], {limit}, 1.0)"
            await within(
                10,
                expect.raises(
                    ValueError,
                    kata.run_all([lab.cmd("a")], limit, 1.0),
                    call=call,
                    hint="check `limit < 1` first and raise ValueError before starting anything.",
                ),
                call=call,
            )
        await asyncio.sleep(0.2)
        expect.true(
            not lab.started(),
            "run_all with limit 0 raised ValueError, but started a command first.",
            hint="check `limit < 1` before starting anything.",
        )
    finally:
        await lab.cleanup()
