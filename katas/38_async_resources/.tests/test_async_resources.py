import asyncio

import pytest

from graders import Recorder, expect

NESTED = (
    "behave like nested `async with` blocks: `async with contextlib.AsyncExitStack() as "
    "stack:` then `await stack.enter_async_context(factory())` for each factory, and "
    "`yield` the list inside the `async with`."
)

TELL = (
    "each __aexit__ must be told about the exception on its way out, as nested `async with` "
    "blocks do (a transaction rolls back instead of committing): pass "
    "(type(exc), exc, exc.__traceback__), or let AsyncExitStack do it."
)


class CloseError(Exception):
    """What a fake resource's __aexit__ raises when told to fail."""


class Handle:
    """What a fake resource's __aenter__ returns."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


class Resources(Recorder):
    """Fake async resources sharing one log of events: ("enter a", t), ("entered a", t),
    ("exit a", t), ("exited a", t); `seen[name]` is the exception type its __aexit__
    was given."""

    def __init__(self):
        super().__init__("resource")
        self.events = []
        self.seen = {}
        self.made = []  # names whose factory was called
        self.handles = {}

    def note(self, event):
        self.events.append(event)

    def factory(self, name, *, enter=0.5, exit=0.5, enter_error=None, exit_error=None, error=None):
        def make():
            if error is not None:
                raise error
            self.made.append(name)
            return FakeResource(self, name, enter, exit, enter_error, exit_error)

        return make


class FakeResource:
    def __init__(self, log, name, enter, exit, enter_error, exit_error):
        self.log, self.name = log, name
        self.enter, self.exit = enter, exit
        self.enter_error, self.exit_error = enter_error, exit_error

    async def __aenter__(self):
        call = self.log._begin(self.name, f"enter {self.name}")
        self.log.note(f"enter {self.name}")
        try:
            await asyncio.sleep(self.enter)
        except asyncio.CancelledError as exc:
            self.log._end(call, "cancelled", exc)
            raise
        if self.enter_error is not None:
            self.log._end(call, "raised", self.enter_error)
            self.log.note(f"failed to enter {self.name}")
            raise self.enter_error
        self.log._end(call, "ok")
        self.log.note(f"entered {self.name}")
        handle = self.log.handles[self.name] = Handle(self.name)
        return handle

    async def __aexit__(self, exc_type, exc, tb):
        self.log.seen[self.name] = exc_type
        call = self.log._begin(self.name, f"exit {self.name}")
        self.log.note(f"exit {self.name}")
        try:
            await asyncio.sleep(self.exit)
        except asyncio.CancelledError as error:
            self.log._end(call, "cancelled", error)
            self.log.note(f"exit {self.name} cancelled")
            raise
        self.log.note(f"exited {self.name}")
        if self.exit_error is not None:
            self.log._end(call, "raised", self.exit_error)
            raise self.exit_error
        self.log._end(call, "ok")
        return False


def entering(*names):
    return [e for n in names for e in (f"enter {n}", f"entered {n}")]


def exiting(*names):
    return [e for n in names for e in (f"exit {n}", f"exited {n}")]


def check_events(res, expected, story, hint=NESTED):
    if res.events != expected:
        expect.fail(
            expect.timeline(res)
            + f"\n{story}, the resources saw, in order:\n    "
            + ", ".join(res.events or ["nothing"])
            + "\nexpected:\n    "
            + ", ".join(expected),
            hint,
        )


def check_seen(res, names, exc_type, story, hint=TELL):
    for name in names:
        got = res.seen.get(name, "not called")
        if got is not exc_type:
            shown = got if got == "not called" else getattr(got, "__name__", got)
            want = exc_type.__name__ if exc_type else "None"
            expect.fail(
                f"{story}, {name}.__aexit__ was given exc_type={shown}; expected {want}.",
                hint,
            )


@pytest.mark.points(2)
async def test_enters_in_order_and_yields_the_values(kata):
    res = Resources()
    loop = asyncio.get_running_loop()
    async with kata.open_all([res.factory(n) for n in "abc"]) as values:
        body_at = loop.time()
        events_in_body = list(res.events)
    res.events = events_in_body
    check_events(
        res,
        entering("a", "b", "c"),
        "when the body of `async with open_all([a, b, c])` began",
        "enter the resources one after another, in the order of `factories`, each one "
        "fully entered (`await`ed) before the next: " + NESTED,
    )
    expect.equal(
        values,
        [res.handles[n] for n in "abc"],
        call="`async with open_all([a, b, c]) as values`: values",
        hint="yield a list of what each __aenter__ returned, in order (what `async with "
        "cm as x` would bind to x).",
    )
    expect.true(
        abs(body_at - 1.5) < 1e-6,
        f"the body began at {body_at:g}s; expected 1.5s (three enters of 0.5s, one after another).",
        hint=NESTED,
    )
    async with kata.open_all([]) as values:
        expect.equal(values, [], call="`async with open_all([]) as values`: values")


@pytest.mark.points(2)
async def test_exits_in_reverse_order(kata):
    res = Resources()
    async with kata.open_all([res.factory(n) for n in "abc"]):
        await asyncio.sleep(1)
    check_events(
        res,
        entering("a", "b", "c") + exiting("c", "b", "a"),
        "for `async with open_all([a, b, c]): await asyncio.sleep(1)`",
        "exit in reverse order, last entered first out, each __aexit__ awaited to its "
        "end before the next begins: " + NESTED,
    )
    check_seen(res, "abc", None, "after a body that ended normally")
    expect.nothing_left_running(res)


@pytest.mark.points(3)
async def test_a_failed_enter_exits_the_entered_ones(kata):
    res = Resources()
    boom = OSError("c cannot open")
    factories = [
        res.factory("a"),
        res.factory("b"),
        res.factory("c", enter_error=boom),
        res.factory("d"),
    ]
    ran = []

    async def use():
        async with kata.open_all(factories):
            ran.append("body")

    err = await expect.raises(
        OSError,
        use(),
        call="async with open_all([a, b, c, d]) where c's __aenter__ raises OSError",
        hint="let the error propagate, after exiting what was already entered.",
    )
    expect.true(err is boom, f"open_all raised {err!r}, not c's own OSError.")
    expect.true(not ran, "the body of `async with` ran although entering c failed.")
    check_events(
        res,
        [*entering("a", "b"), "enter c", "failed to enter c", *exiting("b", "a")],
        "when c's __aenter__ raised OSError",
        "when an enter fails, exit every resource already entered, in reverse order, and "
        "enter nothing more: " + NESTED,
    )
    expect.true(
        "d" not in res.made,
        "open_all called d's factory although entering c had failed; call each factory "
        "only when its turn to be entered comes.",
        hint=NESTED,
    )

    # A factory that raises is a failure to enter too.
    res = Resources()
    bad = ValueError("no such resource")
    factories = [res.factory("a"), res.factory("b"), res.factory("c", error=bad)]
    err = await expect.raises(
        ValueError,
        use_all(kata, factories),
        call="async with open_all([a, b, c]) where calling c's factory raises ValueError",
        hint="calling a factory can fail too: exit what was entered, then let the error propagate.",
    )
    check_events(
        res,
        entering("a", "b") + exiting("b", "a"),
        "when calling c's factory raised ValueError",
    )


async def use_all(kata, factories):
    async with kata.open_all(factories):
        pass


@pytest.mark.points(2)
async def test_a_body_error_reaches_every_exit(kata):
    res = Resources()
    boom = ValueError("the body failed")

    async def use():
        async with kata.open_all([res.factory(n) for n in "abc"]):
            await asyncio.sleep(1)
            raise boom

    err = await expect.raises(
        ValueError,
        use(),
        call="async with open_all([a, b, c]) whose body raises ValueError",
        hint="the body's error must propagate after the resources are exited.",
    )
    expect.true(err is boom, f"open_all raised {err!r}, not the body's own ValueError.")
    check_events(
        res,
        entering("a", "b", "c") + exiting("c", "b", "a"),
        "when the body raised ValueError",
    )
    check_seen(
        res,
        "cba",
        ValueError,
        "when the body raised ValueError",
    )


@pytest.mark.points(3)
async def test_a_cancelled_body_still_awaits_every_exit(kata):
    res = Resources()
    loop = asyncio.get_running_loop()

    async def use():
        async with kata.open_all([res.factory(n) for n in "abc"]):
            await asyncio.sleep(10)

    task = asyncio.create_task(use())
    await asyncio.sleep(2.0)  # entered at 1.5s; the body is sleeping
    if task.done():
        await task  # the stub, or an error of the learner's code
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    end = loop.time()
    check_events(
        res,
        entering("a", "b", "c") + exiting("c", "b", "a"),
        "when the task running `async with open_all([a, b, c])` was cancelled at 2s",
        "cleanup must run on cancellation too: CancelledError is not an Exception, so "
        "`except Exception:` skips it. Exit in a `finally:` (or let AsyncExitStack do it), "
        "and await each __aexit__ to its end.",
    )
    expect.true(
        task.cancelled(),
        "the cancelled task did not end cancelled: after the cleanup, let CancelledError "
        "propagate.",
    )
    expect.true(
        abs(end - 3.5) < 1e-6,
        f"the cancelled task ended at {end:g}s; expected 3.5s (cancelled at 2s, then three "
        "exits of 0.5s, one after another).",
        hint=NESTED,
    )
    expect.nothing_left_running(res)


@pytest.mark.points(1)
async def test_a_failing_exit_does_not_skip_the_others(kata):
    res = Resources()
    broken = CloseError("b failed to close")
    factories = [res.factory("a"), res.factory("b", exit_error=broken), res.factory("c")]
    await expect.raises(
        CloseError,
        use_all(kata, factories),
        call="async with open_all([a, b, c]) where b's __aexit__ raises CloseError",
        hint="an error while exiting one resource must still propagate, after the others "
        "are exited.",
    )
    check_events(
        res,
        entering("a", "b", "c") + exiting("c", "b", "a"),
        "when b's __aexit__ raised CloseError",
        "one resource failing to close is no reason to leave the others open: keep "
        "exiting the rest, then raise. AsyncExitStack does exactly that.",
    )
