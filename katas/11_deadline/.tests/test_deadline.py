import pytest

from graders import FakeService, expect
from graders.outcomes import Outcome, describe, settle

DEFAULT = "fallback"
DEADLINE = (
    "put the fetch under a deadline: `async with asyncio.timeout(timeout):` around "
    "`await fetch(key)` (or `asyncio.wait_for`), and catch the TimeoutError it raises."
)
CANCEL = (
    "when the deadline passes, the fetch must be cancelled, not abandoned: "
    "`asyncio.timeout` and `asyncio.wait_for` cancel it for you; with `asyncio.wait`, "
    "call `task.cancel()` and await the task."
)


def expect_default(outcome: Outcome, *, call: str, hint: str = DEADLINE) -> None:
    if isinstance(outcome.error, TimeoutError):
        expect.fail(
            f"{call} let a TimeoutError escape; when the deadline passes it must return "
            f"the default ({DEFAULT!r}) instead.",
            "catch the TimeoutError of your deadline (`except TimeoutError:`) and return "
            "`default`.",
        )
    if outcome.error is not None:
        expect.fail(
            f"{call} raised {describe(outcome.error)}; expected it to return {DEFAULT!r}.", hint
        )
    expect.equal(
        outcome.value,
        DEFAULT,
        call=call,
        hint="past the deadline, return `default`, the argument, as it is.",
    )


@pytest.mark.points(2)
async def test_fast_fetch_returns_its_value(kata):
    fetch = FakeService(delays={"a": 1.0})
    call = "fetch_or_default(fetch, 'a', 3.0, 'fallback') where fetch('a') takes 1s"
    outcome = await settle(kata.fetch_or_default(fetch, "a", 3.0, DEFAULT))
    if outcome.error is not None:
        expect.fail(f"{call} raised {describe(outcome.error)}; expected 'value:a'.")
    expect.equal(
        outcome.value,
        "value:a",
        call=call,
        hint="a fetch that ends before the deadline gives its own value.",
    )
    expect.elapsed(
        outcome.elapsed,
        1.0,
        what="a 1s fetch under a 3s timeout",
        why="the fetch, not the whole timeout",
        services=[fetch],
        hint="return as soon as the fetch ends; do not sleep until the deadline.",
    )
    expect.call_count(fetch, 1, hint="fetch the key exactly once.")
    expect.nothing_left_running(fetch)


@pytest.mark.points(3)
async def test_slow_fetch_gives_the_default_at_the_deadline(kata):
    fetch = FakeService(delays={"a": 5.0})
    call = "fetch_or_default(fetch, 'a', 2.0, 'fallback') where fetch('a') takes 5s"
    outcome = await settle(kata.fetch_or_default(fetch, "a", 2.0, DEFAULT))
    expect_default(outcome, call=call)
    expect.elapsed(
        outcome.elapsed,
        2.0,
        what="a 5s fetch under a 2s timeout",
        why="the deadline, not the slow fetch",
        services=[fetch],
        hint="do not wait for the fetch past the deadline. " + DEADLINE,
    )


@pytest.mark.points(2)
async def test_slow_fetch_is_cancelled(kata):
    fetch = FakeService(hang={"a"})
    await settle(kata.fetch_or_default(fetch, "a", 1.5, DEFAULT))
    expect.cancelled(fetch, ["a"], hint=CANCEL)
    expect.nothing_left_running(fetch, hint=CANCEL)


@pytest.mark.points(2)
async def test_fetch_error_propagates(kata):
    fetch = FakeService(delays={"a": 1.0}, errors={"a": ValueError})
    call = "fetch_or_default(fetch, 'a', 3.0, 'fallback') where fetch('a') raises ValueError at 1s"
    outcome = await settle(kata.fetch_or_default(fetch, "a", 3.0, DEFAULT))
    hint = (
        "the default only replaces a fetch that was too slow; an error of the fetch "
        "itself must reach the caller unchanged: catch TimeoutError only."
    )
    if outcome.error is None:
        expect.fail(
            f"{call} returned {outcome.value!r}; expected the ValueError to propagate.", hint
        )
    expect.true(
        type(outcome.error) is ValueError and outcome.error.args == ("a",),
        f"{call} raised {describe(outcome.error)}; expected ValueError('a'), the "
        "fetch's own error, unchanged.",
        hint=hint,
    )
    expect.elapsed(
        outcome.elapsed,
        1.0,
        what="a fetch failing at 1s under a 3s timeout",
        why="the moment the fetch failed",
        services=[fetch],
        hint="let the error out as soon as it happens.",
    )


@pytest.mark.points(1)
async def test_fetch_timeout_error_is_not_the_deadline(kata):
    fetch = FakeService(delays={"a": 1.0}, errors={"a": TimeoutError})
    call = (
        "fetch_or_default(fetch, 'a', 3.0, 'fallback') where fetch('a') raises its own "
        "TimeoutError at 1s, long before the 3s deadline"
    )
    outcome = await settle(kata.fetch_or_default(fetch, "a", 3.0, DEFAULT))
    hint = (
        "a TimeoutError that the fetch raised itself is the fetch's error, not your "
        "deadline: tell them apart. `async with asyncio.timeout(t) as cm:`, then in "
        "`except TimeoutError:` return the default only `if cm.expired()`, else "
        "`raise`."
    )
    if outcome.error is None:
        expect.fail(
            f"{call} returned {outcome.value!r}; expected that TimeoutError to "
            "propagate: your deadline had not passed.",
            hint,
        )
    expect.true(
        isinstance(outcome.error, TimeoutError) and outcome.error.args == ("a",),
        f"{call} raised {describe(outcome.error)}; expected TimeoutError('a'), the "
        "fetch's own error, unchanged.",
        hint=hint,
    )


@pytest.mark.points(1)
async def test_zero_or_negative_timeout(kata):
    for timeout in (0, -1.0):
        fetch = FakeService(delays={"a": 1.0})
        call = f"fetch_or_default(fetch, 'a', {timeout!r}, 'fallback') where fetch('a') takes 1s"
        outcome = await settle(kata.fetch_or_default(fetch, "a", timeout, DEFAULT))
        expect_default(
            outcome, call=call, hint="with no time left, the answer is the default, at once."
        )
        expect.elapsed(
            outcome.elapsed,
            0.0,
            what=f"a 1s fetch under a timeout of {timeout!r}",
            why="the deadline is already past",
            services=[fetch],
            hint="with no time left, return the default at once.",
        )
        expect.true(
            all(c.outcome == "cancelled" for c in fetch.calls),
            expect.timeline(fetch) + f"\n{call} started the fetch and did not cancel it.",
            hint=CANCEL,
        )
        expect.nothing_left_running(fetch, hint=CANCEL)
