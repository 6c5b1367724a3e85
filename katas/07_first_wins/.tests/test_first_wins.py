import asyncio

import pytest

from graders import FakeService, expect
from graders.expect import TOLERANCE
from graders.loop_errors import expect_no_loop_errors

AT_ONCE = (
    "start every fn at once, each in a task of its own (`asyncio.create_task(fn())`), "
    "then wait for them as they finish: `asyncio.as_completed(tasks)`, or "
    "`asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)` in a loop."
)
CANCEL_REST = (
    "once you have a winner, cancel every other task (`task.cancel()`) and wait for them "
    "to finish cancelling (`await asyncio.gather(*tasks, return_exceptions=True)`) "
    "before returning; a `try/finally` around the waiting does it on every path."
)
SKIP_FAILURES = (
    "a failed fn is not the end of the race: note its error and keep waiting for the "
    "next one to finish; only when every fn has failed does race raise."
)
GROUP = (
    "collect every error as the fns fail; when none is left running, "
    "`raise ExceptionGroup('every attempt failed', errors)`."
)


def attempt(service, key):
    """A zero-argument async callable: `await fn()` fetches `key` from `service`."""

    async def fn():
        return await service(key)

    fn.__name__ = fn.__qualname__ = f"fn_{key}"
    return fn


def fns_for(service, keys):
    return [attempt(service, key) for key in keys]


def expect_all_started_at_once(fetch, keys):
    starts = {c.key: c.start for c in fetch.calls}
    late = [k for k in keys if k not in starts or starts[k] > TOLERANCE]
    expect.true(
        not late,
        expect.timeline(fetch)
        + "\n"
        + ", ".join(
            f"fn_{k} started at {starts[k]:g}s" if k in starts else f"fn_{k} never started"
            for k in late
        )
        + "; every fn must start at once, at 0s.",
        hint=AT_ONCE,
    )
    expect.call_count(fetch, len(keys), hint="call each fn exactly once.")


async def race_returning(kata, fns, call: str, hint: str):
    """Await race(fns), failing with a lesson if it raises instead of returning."""
    try:
        return await expect.timed(kata.race(fns))
    except NotImplementedError:
        raise
    except Exception as exc:
        loop = asyncio.get_running_loop()
        expect.fail(
            f"{call} raised {type(exc).__name__}: {exc} at {loop.time():g}s; expected it "
            "to return the first successful result.",
            hint=hint,
        )


@pytest.mark.points(2)
async def test_fastest_success_wins(kata):
    fetch = FakeService(delays={"a": 3.0, "b": 1.0, "c": 2.0})
    call = "race([fn_a, fn_b, fn_c]) (they take 3s, 1s and 2s)"
    run = await race_returning(kata, fns_for(fetch, "abc"), call, AT_ONCE)
    expect.equal(
        run.result,
        "value:b",
        call=call,
        hint="return the result of the fn that *finishes* first, whatever its place in the list.",
    )
    expect.elapsed(
        run,
        1.0,
        what=call,
        why="the fastest fn alone",
        services=[fetch],
        hint=AT_ONCE,
        schedule=[
            ("fetch('a')", 0.0, 1.0, "cancelled"),
            ("fetch('b')", 0.0, 1.0),
            ("fetch('c')", 0.0, 1.0, "cancelled"),
        ],
    )
    expect_all_started_at_once(fetch, "abc")


@pytest.mark.points(2)
async def test_losers_are_cancelled(kata):
    fetch = FakeService(delays={"a": 3.0, "b": 1.0, "c": 2.0})
    call = "race([fn_a, fn_b, fn_c])"
    run = await race_returning(kata, fns_for(fetch, "abc"), call, AT_ONCE)
    expect.equal(run.result, "value:b", call=call)
    expect.cancelled(fetch, "ac", hint=CANCEL_REST)
    late = [c for c in fetch.cancelled if abs(c.end - 1.0) > TOLERANCE]
    expect.true(
        not late,
        expect.timeline(fetch)
        + "\n"
        + "; ".join(f"{c.label} was cancelled at {c.end:g}s" for c in late)
        + "; the losers must be cancelled as soon as the winner is known, at 1s.",
        hint=CANCEL_REST,
    )
    expect.nothing_left_running(fetch, hint=CANCEL_REST)


@pytest.mark.points(3)
async def test_earlier_failures_are_ignored(kata):
    fetch = FakeService(
        delays={"a": 0.5, "b": 1.0, "c": 2.0, "d": 3.0},
        errors={"a": KeyError, "b": ValueError},
    )
    call = (
        "race([fn_a, fn_b, fn_c, fn_d]), where fn_a fails at 0.5s, fn_b fails at 1s, "
        "fn_c succeeds at 2s and fn_d at 3s,"
    )
    run = await race_returning(kata, fns_for(fetch, "abcd"), call, SKIP_FAILURES)
    expect.equal(
        run.result,
        "value:c",
        call=call,
        hint="the winner is the first fn to *succeed*: " + SKIP_FAILURES,
    )
    expect.elapsed(
        run,
        2.0,
        what=call,
        why="the first success, at 2s",
        services=[fetch],
        hint=SKIP_FAILURES,
        schedule=[*expect.ideal(fetch, "abc"), ("fetch('d')", 0.0, 2.0, "cancelled")],
    )
    expect.cancelled(fetch, "d", hint=CANCEL_REST)
    expect.nothing_left_running(fetch, hint=CANCEL_REST)
    expect_no_loop_errors(during="two fns failed before another won", hint=SKIP_FAILURES)


@pytest.mark.points(3)
async def test_all_fail_raises_a_group_of_every_error(kata):
    fetch = FakeService(
        delays={"a": 1.0, "b": 3.0, "c": 2.0},
        errors={"a": KeyError, "b": ValueError, "c": OSError},
    )
    call = "race([fn_a, fn_b, fn_c]) where all three fail (at 1s, 3s and 2s)"
    loop = asyncio.get_running_loop()
    try:
        result = await kata.race(fns_for(fetch, "abc"))
    except NotImplementedError:
        raise
    except Exception as exc:
        raised = exc
    else:
        expect.fail(
            f"{call} returned {result!r}; expected it to raise an ExceptionGroup "
            "of the three errors.",
            hint=GROUP,
        )
    when = loop.time()
    errors = [c.error for c in fetch.calls if c.outcome == "raised"]
    wanted = "KeyError('a'), ValueError('b'), OSError('c')"
    if not isinstance(raised, ExceptionGroup):
        expect.fail(
            f"{call} raised {type(raised).__name__}: {raised} at {when:g}s; expected an "
            f"ExceptionGroup holding every error ({wanted}), so that the caller can see "
            "why each attempt failed, not just one of them.",
            hint=GROUP,
        )
    leaves = list(raised.exceptions)
    expect.true(
        len(leaves) == 3 and all(any(leaf is e for leaf in leaves) for e in errors),
        f"{call} raised an ExceptionGroup of "
        f"[{', '.join(map(repr, leaves))}]; expected exactly the "
        f"three errors the fns raised, in any order: {wanted}.",
        hint=GROUP,
    )
    expect.elapsed(
        when,
        3.0,
        what=call,
        why="the last failure, at 3s",
        services=[fetch],
        hint="race can only give up once every fn has failed.",
        schedule=expect.ideal(fetch, "abc"),
    )
    expect.nothing_left_running(fetch)
    expect_no_loop_errors(during="every fn failed", hint=GROUP)


@pytest.mark.points(1)
async def test_a_single_fn(kata):
    fetch = FakeService(delays={"ok": 1.5, "bad": 0.5}, errors={"bad": KeyError})
    run = await race_returning(kata, [attempt(fetch, "ok")], "race([fn_ok])", AT_ONCE)
    expect.equal(run.result, "value:ok", call="race([fn_ok])")
    expect.elapsed(
        run, 1.5, what="race([fn_ok])", services=[fetch], schedule=expect.ideal(fetch, ["ok"])
    )
    group = await expect.raises(
        ExceptionGroup,
        kata.race([attempt(fetch, "bad")]),
        call="race([fn_bad]) where fn_bad raises KeyError",
        hint="even a single error is reported in an ExceptionGroup (of one).",
    )
    expect.true(
        len(group.exceptions) == 1 and group.exceptions[0] is fetch.calls_for("bad")[0].error,
        f"race([fn_bad]) raised an ExceptionGroup of {list(group.exceptions)!r}; expected "
        "one holding fn_bad's own KeyError.",
        hint=GROUP,
    )


@pytest.mark.points(1)
async def test_no_fns_is_a_value_error(kata):
    run = await expect.timed(
        expect.raises(
            ValueError,
            kata.race([]),
            call="race([])",
            hint="with no fns there is no race to win: check for an empty list first and "
            "`raise ValueError(...)`.",
        )
    )
    expect.elapsed(run, 0.0, what="race([])", hint="raise at once, before waiting for anything.")


@pytest.mark.points(1)
async def test_a_none_result_is_a_success(kata):
    fetch = FakeService(delays={"a": 2.0, "b": 1.0}, values={"b": None})
    call = "race([fn_a, fn_b]) where fn_b returns None after 1s"
    run = await race_returning(kata, fns_for(fetch, "ab"), call, SKIP_FAILURES)
    expect.equal(
        run.result,
        None,
        call=call,
        hint="None is a perfectly good result: tell success from failure by whether "
        "the task raised (`task.exception() is None`), not by the value.",
    )
    expect.elapsed(
        run,
        1.0,
        what=call,
        why="fn_b succeeded first, with None",
        services=[fetch],
        hint="None is a result like any other: do not use it to mean 'no winner yet'.",
        schedule=[("fetch('a')", 0.0, 1.0, "cancelled"), ("fetch('b')", 0.0, 1.0)],
    )
    expect.cancelled(fetch, "a", hint=CANCEL_REST)
    expect.nothing_left_running(fetch, hint=CANCEL_REST)
