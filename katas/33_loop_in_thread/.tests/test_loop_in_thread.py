import asyncio
import concurrent.futures
import contextlib
import inspect
import threading
import time

import pytest

from graders import expect

pytestmark = pytest.mark.realtime

#: Real seconds any one wait in these tests may take (a correct solution needs far less).
WAIT = 2.0
#: Seconds a slow coroutine takes to clean up: long enough that a stop() which does not
#: wait for it is caught returning early, even on a busy machine.
SLOW = 0.5
#: Name prefix of the threads the tests start themselves.
OURS = "kata-test"

RUN_COROUTINE_THREADSAFE = (
    "`asyncio.run_coroutine_threadsafe(coro, loop)` schedules a coroutine on a loop that "
    "runs in another thread, wakes that loop up, and returns a concurrent.futures.Future."
)
WIND_DOWN = (
    "make the loop stop (`loop.call_soon_threadsafe(loop.stop)`); then, in the loop's own "
    "thread once `run_forever()` has returned, cancel every task left "
    "(`asyncio.all_tasks(loop)`), run the loop until they have finished "
    "(`loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))`) and close "
    "it; in stop(), join the thread."
)


# -- coroutines the tests submit ---------------------------------------------------------------
async def add(a, b):
    await asyncio.sleep(0.01)
    return a + b


async def where():
    """Where a submitted coroutine runs: its thread and its event loop."""
    await asyncio.sleep(0)
    return threading.current_thread(), asyncio.get_running_loop()


async def boom(message):
    await asyncio.sleep(0.01)
    raise ValueError(message)


async def job(caller, i):
    await asyncio.sleep(0.001 * (i % 3))
    if i % 5 == 4:
        raise LookupError(f"{caller}-{i}")
    return caller, i


class Probe:
    """Coroutines that run until cancelled, and what they went through."""

    def __init__(self):
        self.events: list[tuple[str, str]] = []

    def seen(self, event, name) -> bool:
        return (event, name) in self.events

    async def forever(self, name, cleanup=0.0):
        """Waits for ever; when cancelled, cleans up (awaiting `cleanup` seconds) and ends."""
        self.events.append(("started", name))
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.events.append(("cancelled", name))
            if cleanup:
                await asyncio.sleep(cleanup)
            self.events.append(("cleaned up", name))
            raise

    async def stubborn(self, name, release: threading.Event):
        """Ignores every cancellation until the test sets `release`, then takes SLOW
        seconds more to finish."""
        self.events.append(("started", name))
        while not release.is_set():
            try:
                await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                self.events.append(("ignored a cancellation", name))
        await asyncio.sleep(SLOW)
        return "released"

    def wait_started(self, names, what):
        deadline = time.monotonic() + WAIT
        while not all(self.seen("started", n) for n in names):
            if time.monotonic() > deadline:
                expect.fail(
                    f"{what} never started running within {WAIT:g}s of being submitted.",
                    hint="is the loop running in its thread (`loop.run_forever()`)? "
                    + RUN_COROUTINE_THREADSAFE,
                )
            time.sleep(0.005)


# -- calling the learner's code without ever hanging -----------------------------------------
def bounded(fn, *args, what, within=WAIT, hint=None):
    """Call ``fn(*args)`` in a helper thread: a call that hangs fails the test instead of
    hanging it. Returns its result or raises its error."""
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed over to the test's thread
            box["error"] = exc

    helper = threading.Thread(target=target, name=f"{OURS}-call", daemon=True)
    helper.start()
    helper.join(within)
    if helper.is_alive():
        expect.fail(f"{what} had not returned after {within:g}s.", hint)
    if "error" in box:
        raise box.pop("error")
    return box.get("value")


def start(lt):
    bounded(
        lt.start,
        what="start()",
        hint="start() should start the thread and return; the loop runs in that thread.",
    )


def discard(coro):
    """Close a coroutine that never started, so that a failing test is not reported as
    "never awaited" instead of its real reason."""
    if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
        coro.close()


def submit(lt, coro, what):
    try:
        future = bounded(
            lt.submit,
            coro,
            what=f"submit({what})",
            hint="submit() must not wait for the coroutine: it returns a future at once. "
            + RUN_COROUTINE_THREADSAFE,
        )
    except BaseException:
        discard(coro)
        raise
    if not isinstance(future, concurrent.futures.Future):
        discard(coro)
        expect.fail(
            f"submit({what}) returned {type(future).__name__}: {future!r}; expected a "
            "concurrent.futures.Future, which a plain (non-async) caller in any thread can "
            "wait on with .result().",
            hint=RUN_COROUTINE_THREADSAFE,
        )
    return future


def result_of(future, what, within=WAIT, coro=None):
    try:
        return future.result(within)
    except concurrent.futures.TimeoutError:
        if future.done():
            raise
        if coro is not None:
            discard(coro)
        expect.fail(
            f"the future returned by submit({what}) had no result after {WAIT:g}s: the "
            "coroutine never finished on the loop.",
            hint="is the loop running (`loop.run_forever()` in the thread)? Scheduling from "
            "another thread needs a thread-safe call that wakes the loop up. "
            + RUN_COROUTINE_THREADSAFE,
        )


def run(lt, coro, what):
    return result_of(submit(lt, coro, what), what, coro=coro)


def stop(lt, timeout=2.0):
    """``lt.stop(timeout)``, where every coroutine left ends soon once cancelled."""
    try:
        bounded(
            lt.stop,
            timeout,
            what=f"stop({timeout})",
            within=timeout + WAIT,
            hint=f"stop(timeout) may wait at most `timeout` seconds for the thread. {WIND_DOWN}",
        )
    except TimeoutError as exc:
        expect.fail(
            f"stop({timeout}) raised TimeoutError{f' ({exc})' if str(exc) else ''}, "
            "although every coroutine left "
            f"on the loop ends within {SLOW:g}s once cancelled. Is stop() waiting for something "
            "that can never happen? For instance, a coroutine that calls loop.stop() "
            "stops the loop before its own future is completed, so waiting on that future "
            "times out.",
            hint=WIND_DOWN,
        )


# -- every test: a LoopThread, and no thread left behind ---------------------------------------
def learner_threads(before):
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith((OURS, "asyncio_"))
    ]


def rescue(lt, threads):
    """Best effort, for a LoopThread whose stop() left its thread running: stop any event
    loop it holds and give its threads a moment to end."""
    for value in list(getattr(lt, "__dict__", {}).values()):
        if isinstance(value, asyncio.AbstractEventLoop) and not value.is_closed():
            with contextlib.suppress(Exception):
                value.call_soon_threadsafe(value.stop)
    deadline = time.monotonic() + 2.0
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


@contextlib.contextmanager
def loop_thread(kata):
    """A fresh LoopThread; afterwards stop it (again) and make sure no thread is left."""
    before = set(threading.enumerate())
    lt = kata.LoopThread()
    failed = False
    try:
        yield lt
    except BaseException:
        failed = True
        raise
    finally:
        with contextlib.suppress(Exception):
            stop(lt, 2.0)
        left = learner_threads(before)
        deadline = time.monotonic() + 1.0
        for thread in left:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = learner_threads(before)
        if left:
            rescue(lt, left)
        if left and not failed:
            names = ", ".join(repr(t.name) for t in left)
            expect.fail(
                f"after stop() the thread(s) {names} your LoopThread started were still "
                "running: nothing may be left behind once stop() has returned.",
                hint=WIND_DOWN,
            )


# -- the tests ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_submit_returns_a_future_with_the_result(kata):
    with loop_thread(kata) as lt:
        start(lt)
        coro = add(2, 3)
        future = submit(lt, coro, "add(2, 3)")
        expect.equal(
            result_of(future, "add(2, 3)", coro=coro), 5, call="submit(add(2, 3)).result()"
        )
        places = [run(lt, where(), "where()") for _ in range(3)]
        threads = {thread for thread, _ in places}
        loops = {id(loop) for _, loop in places}
        expect.true(
            threading.current_thread() not in threads,
            "the submitted coroutine ran in the caller's own thread; it should run on the "
            "loop in the LoopThread's background thread.",
            hint=RUN_COROUTINE_THREADSAFE,
        )
        expect.true(
            len(threads) == 1 and len(loops) == 1,
            f"three submitted coroutines ran in {len(threads)} thread(s), on {len(loops)} "
            "event loop(s); every coroutine should run on the one loop of the LoopThread, "
            "in its one background thread.",
            hint="start() creates one loop and one thread; submit() only schedules onto "
            "that loop. " + RUN_COROUTINE_THREADSAFE,
        )


@pytest.mark.points(2)
def test_errors_reach_the_caller(kata):
    with loop_thread(kata) as lt:
        start(lt)
        coro = boom("bad input")
        future = submit(lt, coro, "boom('bad input')")
        concurrent.futures.wait([future], WAIT)
        try:
            value = result_of(future, "boom('bad input')", within=0, coro=coro)
        except ValueError as exc:
            expect.equal(exc.args, ("bad input",), call="the ValueError's args")
        else:
            expect.fail(
                f"submit(boom('bad input')).result() returned {value!r}; the coroutine "
                "raised ValueError('bad input'), and .result() should raise it in the caller.",
                hint="the future must carry the coroutine's error. " + RUN_COROUTINE_THREADSAFE,
            )
        expect.equal(
            run(lt, add(1, 1), "add(1, 1)"),
            2,
            call="after an error, submit(add(1, 1)).result()",
            hint="an error in one coroutine must not stop the loop or its thread.",
        )


@pytest.mark.points(3)
def test_four_caller_threads(kata):
    per_caller = 25
    names = [f"c{k}" for k in range(4)]
    results: dict[str, list] = {}
    with loop_thread(kata) as lt:
        start(lt)
        ready = threading.Barrier(len(names))
        deadline = time.monotonic() + WAIT

        def caller(name):
            got = []
            try:
                ready.wait(WAIT)
                futures = [lt.submit(job(name, i)) for i in range(per_caller)]
                for future in futures:
                    try:
                        got.append(("ok", future.result(max(0.0, deadline - time.monotonic()))))
                    except LookupError as exc:
                        got.append(("error", exc.args[0]))
            except concurrent.futures.TimeoutError:
                got.append(("failed", f"no result after {WAIT:g}s"))
            except BaseException as exc:
                got.append(("failed", f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)))
            results[name] = got

        callers = [
            threading.Thread(target=caller, args=(n,), name=f"{OURS}-{n}", daemon=True)
            for n in names
        ]
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(max(0.0, deadline - time.monotonic()) + 1.0)
        stuck = [t.name for t in callers if t.is_alive()]
        expect.true(
            not stuck,
            f"{len(stuck)} of 4 caller threads were still waiting for their results after "
            f"{WAIT:g}s.",
            hint=RUN_COROUTINE_THREADSAFE,
        )
        for name in names:
            expected = [
                ("error", f"{name}-{i}") if i % 5 == 4 else ("ok", (name, i))
                for i in range(per_caller)
            ]
            got = results.get(name, [])
            if got[:per_caller] != expected:
                wrong = next(
                    (i, g, e)
                    for i, (g, e) in enumerate(
                        zip((got + [None] * per_caller)[:per_caller], expected, strict=True)
                    )
                    if g != e
                )
                i, g, e = wrong
                expect.fail(
                    f"four threads each submitted {per_caller} coroutines at the same time; "
                    f"thread {name!r}'s call #{i} should give {_outcome(e)}, but it got "
                    f"{_outcome(g)}.",
                    hint="submit() is called from several threads at once: it must only use "
                    "thread-safe calls. " + RUN_COROUTINE_THREADSAFE,
                )


def _outcome(entry) -> str:
    if entry is None:
        return "nothing (the caller stopped early)"
    kind, value = entry
    if kind == "ok":
        return f"the result {value!r}"
    if kind == "error":
        return f"LookupError({value!r})"
    return f"{value} (the caller stopped there)"


@pytest.mark.points(3)
def test_stop_cancels_pending_work(kata):
    probe = Probe()
    with loop_thread(kata) as lt:
        start(lt)
        finished = submit(lt, add(1, 2), "add(1, 2)")
        expect.equal(result_of(finished, "add(1, 2)"), 3, call="submit(add(1, 2)).result()")
        names = ["w0", "w1", "slow"]
        futures = {
            name: submit(lt, probe.forever(name, cleanup=SLOW if name == "slow" else 0.0), name)
            for name in names
        }
        probe.wait_started(names, "a coroutine that waits for ever")
        stop(lt, 2.0)
        events = list(probe.events)  # what had happened when stop() returned
        for name, future in futures.items():
            if not future.done():
                expect.fail(
                    f"stop() returned while the future of a coroutine that was still running "
                    f"({name!r}) was not done: a caller waiting on it would wait for ever. "
                    "stop() must cancel the work still running, so its future ends cancelled.",
                    hint=WIND_DOWN,
                )
            if not future.cancelled():
                outcome = f"raised {future.exception()!r}" if future.exception() else "has a result"
                expect.fail(
                    f"after stop(), the future of a coroutine that was still running ({name!r}) "
                    f"{outcome}; it should be cancelled.",
                    hint=WIND_DOWN,
                )
        for name in names:
            expect.true(
                ("cancelled", name) in events,
                f"coroutine {name!r} never saw CancelledError: stop() closed the loop without "
                "cancelling it, so its cleanup code never ran.",
                hint=WIND_DOWN,
            )
        expect.true(
            ("cleaned up", "slow") in events,
            f"a cancelled coroutine whose cleanup awaits ({SLOW:g}s in its `except CancelledError` "
            "block) had not finished cleaning up when stop() returned: stop() must let the "
            "cancelled work finish before closing the loop.",
            hint=WIND_DOWN,
        )
        expect.true(
            finished.result(0) == 3,
            "stop() changed the future of a coroutine that had already finished.",
        )


@pytest.mark.points(2)
def test_stop_closes_the_loop_and_joins_the_thread(kata):
    probe = Probe()
    with loop_thread(kata) as lt:
        start(lt)
        thread, loop = run(lt, where(), "where()")
        submit(lt, probe.forever("slow", cleanup=SLOW), "slow")
        probe.wait_started(["slow"], "a coroutine that waits for ever")
        stop(lt, 2.0)
        alive, closed = thread.is_alive(), loop.is_closed()
        expect.true(
            not alive,
            f"stop() returned while the loop's thread {thread.name!r} was still running; "
            "stop() should join it (wait for it to end) before returning.",
            hint=WIND_DOWN,
        )
        expect.true(
            closed,
            "stop() returned, the thread has ended, but the event loop is not closed: close "
            "it (`loop.close()`) once it has stopped, to free what it holds.",
            hint=WIND_DOWN,
        )


@pytest.mark.points(2)
def test_submit_outside_start_and_stop_is_refused(kata):
    with loop_thread(kata) as lt:
        early = add(1, 1)
        try:
            bounded(lt.submit, early, what="submit() before start()")
        except NotImplementedError:
            raise
        except RuntimeError:
            pass
        else:
            expect.fail(
                "submit() before start() returned instead of raising RuntimeError; with no "
                "loop running, its future could never complete.",
                hint="raise RuntimeError when the loop is not running (not started yet, or "
                "stopped); close the coroutine first (`coro.close()`).",
            )
        finally:
            discard(early)
        start(lt)
        expect.equal(run(lt, add(2, 2), "add(2, 2)"), 4, call="submit(add(2, 2)).result()")
        stop(lt, 2.0)
        late = add(3, 3)
        try:
            bounded(lt.submit, late, what="submit() after stop()")
        except NotImplementedError:
            raise
        except RuntimeError:
            pass
        else:
            expect.fail(
                "submit() after stop() returned instead of raising RuntimeError; the loop is "
                "closed, so its future could never complete.",
                hint="remember that stop() was called, and raise RuntimeError in submit().",
            )
        finally:
            discard(late)


def harmless_stop(lt, what):
    try:
        stop(lt, 1.0)
    except NotImplementedError:
        raise
    except Exception as exc:
        expect.fail(
            f"{what} raised {type(exc).__name__}: {exc}; it should simply do nothing, so "
            "that cleanup code can always call stop().",
            hint="remember whether the loop was started and whether it was already stopped.",
        )


@pytest.mark.points(1)
def test_start_and_stop_edge_cases(kata):
    with loop_thread(kata) as never_started:
        harmless_stop(never_started, "stop(1.0) on a LoopThread that was never started")
    with loop_thread(kata) as lt:
        start(lt)
        thread, _ = run(lt, where(), "where()")
        expect.true(
            thread.daemon,
            f"the loop's thread {thread.name!r} is not a daemon thread: if someone forgets "
            "stop(), it keeps the whole program from exiting.",
            hint="threading.Thread(target=..., daemon=True).",
        )
        try:
            bounded(lt.start, what="a second start()")
        except NotImplementedError:
            raise
        except RuntimeError:
            pass
        else:
            expect.fail(
                "start() on a LoopThread already started returned instead of raising "
                "RuntimeError (a LoopThread runs one loop, once).",
                hint="remember the thread you started; if there is one, raise RuntimeError.",
            )
        stop(lt, 2.0)
        harmless_stop(lt, "a second stop(1.0), after the first one had returned")


@pytest.mark.points(2)
def test_stop_gives_up_after_its_timeout(kata):
    probe = Probe()
    release = threading.Event()
    with loop_thread(kata) as lt:
        try:
            start(lt)
            thread, _ = run(lt, where(), "where()")
            future = submit(lt, probe.stubborn("stubborn", release), "stubborn")
            probe.wait_started(["stubborn"], "a coroutine")
            began = time.monotonic()
            try:
                bounded(lt.stop, 0.3, what="stop(0.3)", within=0.3 + WAIT)
            except TimeoutError:
                took = time.monotonic() - began
            else:
                if thread.is_alive():
                    expect.fail(
                        "a coroutine ignores cancellation and keeps running, so the loop's "
                        "thread cannot end; stop(0.3) returned anyway, with the thread still "
                        "running. It should give up after 0.3s and raise TimeoutError.",
                        hint="after `thread.join(timeout)`, check `thread.is_alive()`: if it "
                        "is, raise TimeoutError.",
                    )
                expect.fail(
                    "stop(0.3) ended the loop's thread without the coroutine still running "
                    "ever seeing CancelledError (this one would have ignored it, and kept the "
                    "thread busy: stop(0.3) should then have raised TimeoutError). The loop "
                    "was closed with that coroutine still pending.",
                    hint=WIND_DOWN,
                )
            expect.true(
                took >= 0.25,
                f"stop(0.3) raised TimeoutError after {took:.2f}s; it should wait for the "
                "thread for 0.3s first.",
                hint="`thread.join(timeout)` waits up to `timeout` seconds.",
            )
            release.set()  # the stubborn coroutine gives up now
            stop(lt, 2.0)
            expect.true(
                not thread.is_alive(),
                "once the stubborn coroutine had ended, a second stop(2.0) returned with the "
                "loop's thread still running: it should wait for the thread again.",
                hint="a second stop() joins the thread again (without stopping the loop "
                "twice). " + WIND_DOWN,
            )
            expect.true(
                future.done() and not future.cancelled() and future.result(0) == "released",
                "once the stubborn coroutine had given up, its future should carry its result, "
                "'released'; yours is "
                + ("cancelled" if future.cancelled() else "done" if future.done() else "not done")
                + ". Did the second stop() stop the loop again before that coroutine finished?",
                hint="a second stop() joins the thread again, without stopping the loop twice. "
                + WIND_DOWN,
            )
        finally:
            release.set()
