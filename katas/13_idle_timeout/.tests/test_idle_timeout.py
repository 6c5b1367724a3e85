import pytest

from graders import expect
from graders.outcomes import Outcome, describe, leaves, settle
from graders.sources import TimedSource

PER_ITEM = (
    "the idle time starts again with every item: wait for each next item under its own "
    "timeout (`async with asyncio.timeout(idle): item = await anext(source)`), not one "
    "timeout around the whole loop."
)
CLOSE = (
    "when you stop, close the source: `await source.aclose()` (in a `finally:`, or with "
    "`async with contextlib.aclosing(source):`). Cancel the pending `anext()` first (a "
    "timeout does it for you): an async generator cannot be closed while a `next` on it "
    "is still waiting."
)


def items_of(outcome: Outcome, *, call: str) -> list:
    error = outcome.error
    if isinstance(error, TimeoutError):
        expect.fail(
            f"{call} let a TimeoutError escape; going idle is the normal end: "
            "return the items collected so far.",
            "catch the TimeoutError and stop collecting.",
        )
    if isinstance(error, StopAsyncIteration):
        expect.fail(
            f"{call} let StopAsyncIteration escape: that is how a source says it "
            "has ended, and it is the normal end of collecting.",
            "catch StopAsyncIteration around `await anext(source)` and stop "
            "(an `async for` loop does it for you).",
        )
    if isinstance(error, RuntimeError) and "already running" in str(error):
        expect.fail(f"{call} raised RuntimeError: {error}", CLOSE)
    if error is not None:
        expect.fail(f"{call} raised {describe(error)}; expected it to return the items.")
    return outcome.value


def expect_took(
    outcome: Outcome, expected: float, *, what: str, why: str, source: TimedSource, hint: str
) -> None:
    """Like expect.elapsed, drawing the source's pulls, without a story about overlap."""
    if abs(outcome.elapsed - expected) > expect.TOLERANCE:
        expect.fail(
            f"{expect.timeline(source)}\nexpected {what} to take {expected:g}s "
            f"({why}); yours took {outcome.elapsed:g}s.",
            hint,
        )


def expect_closed(source: TimedSource, at: float, *, call: str) -> None:
    expect.true(
        source.closed,
        f"{call} returned without closing the source (no `aclose()` was awaited).",
        hint=CLOSE,
    )
    expect.true(
        abs(source.closed_at - at) <= expect.TOLERANCE,
        f"{call} closed the source at {source.closed_at:g}s; expected at {at:g}s, "
        "the moment it went idle.",
        hint=CLOSE,
    )
    expect.nothing_left_running(source, hint=CLOSE)


@pytest.mark.points(2)
async def test_collects_every_item_until_the_source_ends(kata):
    source = TimedSource([(1.0, "a"), (1.0, "b"), (1.0, "c")], then="end")
    call = "collect_until_idle(source, 5.0) on a source of 'a', 'b', 'c' (1s apart), then its end"
    outcome = await settle(kata.collect_until_idle(source, 5.0))
    expect.equal(
        items_of(outcome, call=call),
        ["a", "b", "c"],
        call=call,
        hint="collect every item, in the order it arrives.",
    )
    expect_took(
        outcome,
        3.0,
        what=call,
        why="the source ended right after 'c' at 3s",
        source=source,
        hint="stop as soon as the source ends (StopAsyncIteration); "
        "do not wait for the idle time after it.",
    )


@pytest.mark.points(3)
async def test_stops_after_an_idle_gap(kata):
    source = TimedSource([(1.0, "a"), (0.5, "b"), (2.0, "c"), (10.0, "late")], then="end")
    call = "collect_until_idle(source, 3.0) on items at 1s, 1.5s, 3.5s, then one 10s later"
    outcome = await settle(kata.collect_until_idle(source, 3.0))
    items = items_of(outcome, call=call)
    expect_took(
        outcome,
        6.5,
        what=call,
        why="the last item came at 3.5s, and nothing for the next 3s",
        source=source,
        hint=PER_ITEM,
    )
    expect.equal(
        items,
        ["a", "b", "c"],
        call=call,
        hint="keep every item that arrived before the source went idle; the one "
        "after the gap is not collected.",
    )


@pytest.mark.points(2)
async def test_idle_counts_from_the_last_item(kata):
    schedule = [(2.5, f"item{i}") for i in range(6)]
    source = TimedSource(schedule, then="hang")
    call = "collect_until_idle(source, 3.0) on six items 2.5s apart, then silence"
    outcome = await settle(kata.collect_until_idle(source, 3.0))
    items = items_of(outcome, call=call)
    expect.equal(
        items,
        [item for _, item in schedule],
        call=call,
        hint="every gap (2.5s) is shorter than the idle limit (3s), so every item "
        "counts, though the whole stream lasts 15s. " + PER_ITEM,
    )
    expect_took(
        outcome,
        18.0,
        what=call,
        why="the last item at 15s, then 3s of silence",
        source=source,
        hint=PER_ITEM,
    )


@pytest.mark.points(2)
async def test_source_is_closed_after_going_idle(kata):
    source = TimedSource([(1.0, "a"), (0.5, "b")], then="hang")
    call = "collect_until_idle(source, 2.0) on 'a' at 1s, 'b' at 1.5s, then silence"
    outcome = await settle(kata.collect_until_idle(source, 2.0))
    expect.equal(items_of(outcome, call=call), ["a", "b"], call=call)
    expect_closed(source, 3.5, call=call)


@pytest.mark.points(1)
async def test_no_items(kata):
    source = TimedSource([], then="hang")
    call = "collect_until_idle(source, 2.0) on a source that never sends anything"
    outcome = await settle(kata.collect_until_idle(source, 2.0))
    expect.equal(items_of(outcome, call=call), [], call=call)
    expect_took(
        outcome,
        2.0,
        what=call,
        why="idle from the start",
        source=source,
        hint="with no item at all, the idle time counts from the call.",
    )
    expect_closed(source, 2.0, call=call)

    source = TimedSource([], then="end")
    call = "collect_until_idle(source, 2.0) on a source that ends at once"
    outcome = await settle(kata.collect_until_idle(source, 2.0))
    expect.equal(items_of(outcome, call=call), [], call=call)
    expect_took(
        outcome,
        0.0,
        what=call,
        why="the source ended at once",
        source=source,
        hint="stop as soon as the source ends.",
    )


@pytest.mark.points(1)
async def test_source_error_propagates(kata):
    source = TimedSource([(1.0, "a")], then=ValueError("broken stream"))
    call = "collect_until_idle(source, 5.0) where the source raises ValueError after 'a'"
    outcome = await settle(kata.collect_until_idle(source, 5.0))
    hint = (
        "an error from the source is not 'idle' and not 'ended': let it reach the "
        "caller. Catch only TimeoutError and StopAsyncIteration."
    )
    if outcome.error is None:
        expect.fail(
            f"{call} returned {outcome.value!r}; expected the ValueError to propagate.", hint
        )
    error = outcome.error
    found = leaves(error) if isinstance(error, BaseExceptionGroup) else [error]
    expect.true(
        any(type(e) is ValueError for e in found),
        f"{call} raised {describe(error)}; expected ValueError('broken stream').",
        hint=hint,
    )
    expect_took(
        outcome,
        1.0,
        what=call,
        why="the source failed right after 'a'",
        source=source,
        hint="let the error out as soon as it happens.",
    )
