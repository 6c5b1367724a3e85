import asyncio
import gc
import weakref

import pytest

from graders import FakeService, expect
from graders.expect import TOLERANCE
from graders.loop_errors import describe, expect_no_loop_errors, loop_errors

STRONG = (
    "the event loop keeps only weak references to tasks: keep each task in a set "
    "(`self._tasks.add(task)`) and drop it when it ends "
    "(`task.add_done_callback(self._tasks.discard)`)."
)
RETRIEVE = (
    "in a done-callback, look at how the task ended: `if not task.cancelled() and "
    "task.exception() is not None: self._errors.append(task.exception())`; drain then "
    "returns that list."
)
WAIT = (
    "`done, pending = await asyncio.wait(tasks, timeout=timeout)` waits for all of them "
    "but no longer than `timeout`, and returns as soon as they are all done; then cancel "
    "what is pending and wait for it once more."
)
CANCEL = (
    "when the timeout runs out, cancel every task still running (`task.cancel()`), then "
    "wait for them to finish cancelling (`await asyncio.wait(pending)`) before returning: "
    "cancel() only asks a task to stop; it stops at its next turn."
)
GATHER_ESCAPES = (
    "asyncio.gather (without return_exceptions=True) raises the first error as soon as it "
    "happens, and does NOT stop the other awaitables: they keep running. "
    "`asyncio.wait(tasks, timeout=...)` never raises the tasks' errors."
)


def spawn(keeper, coro, **kwargs):
    """keeper.spawn(coro); if spawn fails, close the coroutine, so that a "never awaited"
    warning does not hide the real error."""
    try:
        return keeper.spawn(coro, **kwargs)
    except BaseException:
        coro.close()
        raise


async def succeeds_after(delay):
    await asyncio.sleep(delay)
    return "done"


async def fails_after(delay, error_type):
    """Raise a new error_type after `delay`. Nothing but the task holds the error, so a
    task whose error nobody retrieves is destroyed, and reported, once the keeper drops
    it."""
    await asyncio.sleep(delay)
    raise error_type(f"failed after {delay:g}s")


async def never_ends():
    await asyncio.get_running_loop().create_future()


class WeakGate:
    """Parks jobs until `open()`, remembering the parked jobs only *weakly*, as a callback
    registry or a socket library may: a job parked here is kept alive by its task alone."""

    def __init__(self):
        self._waiters = []

    async def wait(self):
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(weakref.ref(future))
        await future

    def open(self) -> int:
        """Release every parked job still alive; return how many there were."""
        alive = [f for ref in self._waiters if (f := ref()) is not None and not f.done()]
        for future in alive:
            future.set_result(None)
        return len(alive)


def loop_trouble() -> str:
    """What asyncio logged so far, to add to a failure message ("" if nothing)."""
    errors = loop_errors(collect=False)
    return f"\nasyncio also reported: {describe(errors[0])}" if errors else ""


def expect_cancelled_at(fetch, keys, when: float, why: str, hint: str) -> None:
    expect.cancelled(fetch, keys, hint=hint)
    for key in keys:
        end = fetch.calls_for(key)[0].end
        expect.true(
            abs(end - when) <= TOLERANCE,
            expect.timeline(fetch)
            + f"\n{fetch.name}({key!r}) was cancelled at {end:g}s; expected at {when:g}s, "
            f"{why}.",
            hint=hint,
        )


async def drain_without_raising(keeper, timeout, call: str):
    """Await keeper.drain(timeout), failing with a lesson if it raises a task's error."""
    try:
        return await expect.timed(keeper.drain(timeout))
    except NotImplementedError:
        raise
    except Exception as exc:
        if isinstance(exc, ValueError) and "empty" in str(exc):
            expect.fail(
                f"{call} raised ValueError: {exc} (asyncio.wait() refuses an empty set of "
                "tasks). With nothing running, drain has nothing to wait for.",
                hint="check first: `if self._tasks:` before waiting; then return the errors.",
            )
        expect.fail(
            f"{call} raised {type(exc).__name__}: {exc}. drain must *return* the errors "
            "the tasks raised (a list), not raise them.",
            hint=GATHER_ESCAPES,
        )


@pytest.mark.points(1)
async def test_spawn_starts_a_task_and_returns_it(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0})
    keeper = kata.TaskKeeper()
    task = spawn(keeper, fetch("a"), name="job-a")
    expect.true(
        isinstance(task, asyncio.Task),
        f"spawn(coro, name='job-a') returned {task!r}; expected the asyncio.Task it "
        "started for the coroutine.",
        hint="`task = asyncio.create_task(coro, name=name)`, keep it, `return task`.",
    )
    expect.equal(
        task.get_name(),
        "job-a",
        call="spawn(coro, name='job-a').get_name()",
        hint="pass the name on: asyncio.create_task(coro, name=name).",
    )
    spawn(keeper, fetch("b"))
    expect.equal(
        len(keeper),
        2,
        call="len(keeper), right after two spawns,",
        hint="a spawned task counts from the moment spawn returns until it ends.",
    )
    await asyncio.sleep(0)
    started = [c.key for c in fetch.calls]
    expect.true(
        started == ["a", "b"],
        f"after two spawns, once the caller gave the loop a turn, the fetches started "
        f"were {started!r}; expected ['a', 'b'].",
        hint="spawn must start the task at once (asyncio.create_task), without "
        "the caller awaiting anything.",
    )
    await asyncio.sleep(1)
    expect.equal(
        task.result() if task.done() else "still running",
        "value:a",
        call="the task for fetch('a'), one second later,",
    )


@pytest.mark.points(3)
async def test_tasks_survive_garbage_collection(kata):
    gate = WeakGate()
    finished = []

    async def job(i):
        await gate.wait()  # parked; only this job's task refers to it
        finished.append(i)

    keeper = kata.TaskKeeper()
    for i in range(5):
        spawn(keeper, job(i))  # the returned task is dropped: the keeper's is the only reference
    await asyncio.sleep(0)  # every job starts and parks at the gate
    gc.collect()
    alive = gate.open()
    for _ in range(3):
        await asyncio.sleep(0)
    if len(finished) < 5:
        expect.fail(
            f"{5 - len(finished)} of the 5 spawned tasks vanished: they were waiting, "
            "nobody but your TaskKeeper should have referenced them, and a garbage "
            f"collection destroyed them mid-way ({alive} were still alive after it). The "
            "event loop keeps only weak references to tasks, so a fire-and-forget task "
            "lives only as long as someone holds a strong reference to it.",
            hint=STRONG,
        )
    expect_no_loop_errors(during="five spawned tasks waited", hint=STRONG)


@pytest.mark.points(2)
async def test_len_counts_tasks_until_they_end(kata):
    keeper = kata.TaskKeeper()
    # Weak references to the tasks that raise nothing: once they end, the keeper must let
    # go of them. (A keeper may store a failed task's error until drain hands it over,
    # and an error's traceback can lead back to its task.)
    refs = [weakref.ref(spawn(keeper, succeeds_after(1.0)))]
    spawn(keeper, fails_after(2.0, KeyError))
    hanging = spawn(keeper, never_ends())
    refs.append(weakref.ref(hanging))
    moments = (
        (0.0, 3, "right after spawning three tasks"),
        (1.5, 2, "at 1.5s, when the first task has finished"),
        (1.0, 1, "at 2.5s, when the second one has raised too"),
    )
    for pause, expected, when in moments:
        await asyncio.sleep(pause)
        expect.equal(
            len(keeper),
            expected,
            call=f"len(keeper) {when},",
            hint="len counts the tasks that have not ended yet: drop a task from "
            "your collection as soon as it ends, however it ends "
            "(`task.add_done_callback(self._tasks.discard)`)." + loop_trouble(),
        )
    hanging.cancel()  # somebody else cancels a task: it has ended too
    del hanging
    await asyncio.sleep(0.5)
    expect.equal(
        len(keeper),
        0,
        call="len(keeper), after one task finished, one raised and one was cancelled,",
        hint="drop a task from your collection as soon as it ends, however it "
        "ends: `task.add_done_callback(self._tasks.discard)`." + loop_trouble(),
    )
    # A task asyncio logged an error about is kept alive by that log entry, not by you.
    logged = {id(c.get("future") or c.get("task")) for c in loop_errors()}
    kept = sum(1 for ref in refs if (task := ref()) is not None and id(task) not in logged)
    task = None
    expect.true(
        kept == 0,
        f"your TaskKeeper still holds {kept} task(s) that ended: a keeper that runs for "
        "days, spawning a task per request, would grow without end.",
        hint="keep only the running tasks (a set, with `task.add_done_callback("
        "self._tasks.discard)`); if you need the errors, keep the exceptions, not the tasks.",
    )


@pytest.mark.points(2)
async def test_failed_tasks_never_go_unretrieved(kata):
    keeper = kata.TaskKeeper()
    spawn(keeper, fails_after(1.0, KeyError))
    spawn(keeper, fails_after(2.0, ValueError))
    await asyncio.sleep(3)  # both failed; nobody has called drain yet
    expect_no_loop_errors(during="two spawned tasks failed (before any drain)", hint=RETRIEVE)
    await drain_without_raising(keeper, 1, "drain(1)")
    expect_no_loop_errors(during="two spawned tasks failed and drain ran", hint=RETRIEVE)


@pytest.mark.points(2)
async def test_drain_returns_as_soon_as_every_task_ends(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 3.0, "c": 2.0})
    keeper = kata.TaskKeeper()
    for key in "abc":
        spawn(keeper, fetch(key))
    run = await drain_without_raising(keeper, 10, "drain(10)")
    expect.elapsed(
        run,
        3.0,
        what="drain(10) with tasks ending at 1s, 3s and 2s",
        why="the last task ends at 3s, long before the timeout",
        services=[fetch],
        hint=WAIT,
        schedule=expect.ideal(fetch, "abc"),
    )
    expect.equal(run.result, [], call="drain(10), when no task failed,")
    expect.not_cancelled(
        fetch, "abc", hint="drain cancels only what is still running when the timeout runs out."
    )
    expect.equal(len(keeper), 0, call="len(keeper) after drain")
    expect.nothing_left_running(fetch)


@pytest.mark.points(3)
async def test_drain_cancels_stragglers_at_the_timeout(kata):
    fetch = FakeService(delays={"a": 1.0, "c": 5.0}, hang=["b"])
    keeper = kata.TaskKeeper()
    for key in "abc":
        spawn(keeper, fetch(key))
    await asyncio.sleep(1)
    run = await drain_without_raising(keeper, 2, "drain(2), called at 1s,")
    expect.elapsed(
        run,
        2.0,
        what="drain(2) with a task that never ends",
        why="the timeout, then the stragglers are cancelled",
        services=[fetch],
        hint=WAIT,
        schedule=[
            ("fetch('a')", 0.0, 1.0),
            ("fetch('b')", 0.0, 3.0, "cancelled"),
            ("fetch('c')", 0.0, 3.0, "cancelled"),
        ],
    )
    expect_cancelled_at(
        fetch, "bc", 3.0, "when drain's timeout ran out (drain(2) was called at 1s)", hint=CANCEL
    )
    expect.not_cancelled(fetch, "a")
    expect.nothing_left_running(fetch, hint=CANCEL)
    expect.equal(
        run.result,
        [],
        call="drain(2), when the only tasks that did not finish were cancelled,",
        hint="a task cancelled by drain raised no error of its "
        "own: leave its CancelledError out of the list.",
    )
    expect.equal(len(keeper), 0, call="len(keeper) after drain")

    zero = FakeService("job", hang=["d"])
    keeper = kata.TaskKeeper()
    spawn(keeper, zero("d"))
    await asyncio.sleep(0.5)
    run = await drain_without_raising(keeper, 0, "drain(0)")
    expect.elapsed(
        run,
        0.0,
        what="drain(0)",
        why="no waiting at all: cancel at once",
        services=[zero],
        hint=WAIT,
    )
    expect.cancelled(zero, "d", hint=CANCEL)
    expect.nothing_left_running(zero, hint=CANCEL)


@pytest.mark.points(2)
async def test_drain_returns_the_errors_the_tasks_raised(kata):
    fetch = FakeService(
        delays={"early": 0.5, "a": 1.0, "b": 2.0, "c": 3.0},
        errors={"early": KeyError, "a": ValueError, "c": OSError},
        hang=["d"],
    )
    keeper = kata.TaskKeeper()
    for key in ("early", "a", "b", "c", "d"):
        spawn(keeper, fetch(key))
    await asyncio.sleep(0.75)  # 'early' has already failed
    run = await drain_without_raising(keeper, 4, "drain(4), called at 0.75s,")
    still = [c.label for c in fetch.running]
    if still and run.elapsed < 4.0 - TOLERANCE:
        expect.fail(
            expect.timeline(fetch)
            + f"\ndrain(4) returned at {run.end:g}s, after a task failed, but "
            f"{', '.join(still)} {'was' if len(still) == 1 else 'were'} still running. When a task fails, drain must keep "
            "waiting for the others, until they all end or the timeout runs out (then "
            "cancel them).",
            hint=GATHER_ESCAPES,
        )
    expect.nothing_left_running(fetch, hint=CANCEL)
    expect.elapsed(
        run,
        4.0,
        what="drain(4) with a task that never ends",
        why="errors do not end the wait; the timeout does",
        services=[fetch],
        hint=WAIT,
        schedule=[
            *expect.ideal(fetch, ["early", "a", "b", "c"]),
            ("fetch('d')", 0.0, 4.75, "cancelled"),
        ],
    )
    raised = {key: fetch.calls_for(key)[0].error for key in ("early", "a", "c")}
    got = run.result if isinstance(run.result, list) else None
    expect.true(
        got is not None
        and len(got) == 3
        and all(any(e is error for e in got) for error in raised.values()),
        f"drain(4) returned {got if got is not None else run.result!r}\nexpected a list "
        "of the 3 errors the tasks raised, in any order: "
        + ", ".join(f"{type(e).__name__}({key!r})" for key, e in raised.items())
        + " (fetch('early') failed before drain was called; fetch('d') was cancelled "
        "and raised nothing of its own).",
        hint=RETRIEVE,
    )
    again = await drain_without_raising(keeper, 1, "a second drain(1)")
    expect.equal(
        again.result,
        [],
        call="a second drain(1), with nothing new,",
        hint="each error is returned by one drain only: empty your list of errors "
        "when drain returns it.",
    )
    expect_no_loop_errors(during="tasks failed and drain ran", hint=RETRIEVE)


@pytest.mark.points(1)
async def test_drain_with_nothing_to_wait_for(kata):
    keeper = kata.TaskKeeper()
    run = await drain_without_raising(keeper, 5, "drain(5) on a new TaskKeeper")
    expect.equal(
        run.result,
        [],
        call="drain(5) on a new TaskKeeper",
        hint="with no task at all, return [] at once (note that asyncio.wait() "
        "refuses an empty set: check first).",
    )
    expect.elapsed(run, 0.0, what="drain(5) with no task", hint="nothing to wait for.")
    fetch = FakeService(delays=1.0)
    spawn(keeper, fetch("x"))
    await asyncio.sleep(2)
    run = await drain_without_raising(keeper, 5, "drain(5) after the only task ended")
    expect.equal(run.result, [], call="drain(5) after the only task ended")
    expect.elapsed(
        run,
        0.0,
        what="drain(5) once every task has ended",
        hint="nothing left to wait for: return at once.",
    )
