import asyncio
from dataclasses import dataclass, field

import pytest

from graders import FakeService, expect
from graders.cancelling import cancel_after
from graders.expect import TOLERANCE
from graders.loop_errors import expect_no_loop_errors

STREAM = (
    "start every fetch at once in a task of its own, then hand out each result the moment "
    "its task ends: `for next_done in asyncio.as_completed(tasks): yield await next_done` "
    "(with each task returning its `(key, value)` pair)."
)
CLEANUP = (
    "put the loop in `try: ... finally:`; in the `finally`, cancel every task "
    "(`task.cancel()`) and wait for them to stop (`await asyncio.gather(*tasks, "
    "return_exceptions=True)`). The `finally` runs on every way out: an error, "
    "`aclose()`, or the consumer being cancelled."
)


@dataclass
class Received:
    """What a consumer saw: each pair with its arrival time, then maybe an error."""

    pairs: list = field(default_factory=list)
    times: list = field(default_factory=list)
    error: BaseException | None = None
    end: float = 0.0


async def consume(agen) -> Received:
    """Pull every pair as soon as it is available, noting when each arrived."""
    loop = asyncio.get_running_loop()
    got = Received()
    try:
        async for pair in agen:
            got.pairs.append(pair)
            got.times.append(loop.time())
    except NotImplementedError:
        raise
    except Exception as exc:
        got.error = exc
    got.end = loop.time()
    return got


def expect_pairs(pairs, expected, *, call: str, hint: str | None = None) -> None:
    if pairs != expected:
        expect.fail(f"{call} yielded {pairs!r}\nexpected {expected!r}", hint)


def expect_no_error(got: Received, call: str) -> None:
    if got.error is not None:
        expect.fail(
            f"{call} raised {type(got.error).__name__}: {got.error} at {got.end:g}s, after "
            f"yielding {got.pairs!r}.",
            hint=STREAM,
        )


@pytest.mark.points(2)
async def test_pairs_come_in_completion_order(kata):
    fetch = FakeService(delays={"a": 3.0, "b": 1.0, "c": 2.0})
    call = "stream_results(fetch, ['a', 'b', 'c']) (taking 3s, 1s and 2s)"
    got = await consume(kata.stream_results(fetch, ["a", "b", "c"]))
    expect_no_error(got, call)
    expect_pairs(
        got.pairs,
        [("b", "value:b"), ("c", "value:c"), ("a", "value:a")],
        call=call,
        hint="yield `(key, value)` tuples in the order the fetches *finish*, not the order "
        "of `keys`. " + STREAM,
    )


@pytest.mark.points(3)
async def test_each_pair_arrives_when_its_fetch_ends(kata):
    delays = {"a": 3.0, "b": 1.0, "c": 2.0, "d": 2.5}
    fetch = FakeService(delays=delays)
    call = "stream_results(fetch, ['a', 'b', 'c', 'd'])"
    got = await consume(kata.stream_results(fetch, list(delays)))
    expect_no_error(got, call)
    late = [
        f"{pair!r} arrived at {t:g}s, but fetch({pair[0]!r}) had ended at {delays[pair[0]]:g}s"
        for pair, t in zip(got.pairs, got.times, strict=True)
        if isinstance(pair, tuple)
        and pair
        and pair[0] in delays
        and t > delays[pair[0]] + TOLERANCE
    ]
    expect.true(
        not late and len(got.pairs) == 4,
        expect.timeline(fetch)
        + "\n"
        + ("\n".join(late) if late else f"{call} yielded {got.pairs!r}")
        + "\nexpected each pair to reach the consumer the moment its fetch ends: a consumer "
        "of a stream gets to work on the first result while the others are still on their "
        "way.",
        hint=STREAM,
    )
    expect.max_in_flight(fetch, 4, hint=STREAM)


@pytest.mark.points(3)
async def test_an_error_propagates_and_cancels_the_rest(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0, "c": 3.0}, errors={"b": KeyError}, hang=["d"])
    call = "stream_results(fetch, ['a', 'b', 'c', 'd']) where fetch('b') raises KeyError at 2s"
    got = await consume(kata.stream_results(fetch, ["a", "b", "c", "d"]))
    if got.error is None:
        expect.fail(
            expect.timeline(fetch)
            + f"\n{call} yielded {got.pairs!r} and ended without raising; expected the "
            "KeyError to reach the consumer.",
            hint="do not catch the fetch's error: let it propagate out of the generator.",
        )
    if not isinstance(got.error, KeyError):
        group = isinstance(got.error, BaseExceptionGroup)
        expect.fail(
            f"{call} raised {type(got.error).__name__}: {got.error}; expected the KeyError "
            "itself."
            + (
                " A TaskGroup wraps errors in an ExceptionGroup, and inside an async generator "
                "it would also cancel the *consumer's* task: use plain tasks here."
                if group
                else ""
            ),
            hint="let the fetch's own error propagate, unwrapped.",
        )
    expect_pairs(
        got.pairs,
        [("a", "value:a")],
        call=f"before the error, {call}",
        hint="yield each pair as soon as its fetch ends, before any later error.",
    )
    expect.elapsed(
        got.end,
        2.0,
        what="the error to reach the consumer",
        why="fetch('b') failed at 2s",
        services=[fetch],
        hint="raise the error as soon as its fetch fails.",
        schedule=[
            *expect.ideal(fetch, "ab"),
            ("fetch('c')", 0.0, 2.0, "cancelled"),
            ("fetch('d')", 0.0, 2.0, "cancelled"),
        ],
    )
    expect.cancelled(fetch, "cd", hint=CLEANUP)
    expect.nothing_left_running(fetch, hint=CLEANUP)
    expect_no_loop_errors(during="a fetch failed in the middle of the stream", hint=CLEANUP)


@pytest.mark.points(3)
async def test_aclose_cancels_what_is_in_flight(kata):
    fetch = FakeService(delays={"a": 2.0, "b": 1.0, "c": 3.0})
    agen = kata.stream_results(fetch, ["a", "b", "c"])
    first = await anext(agen)
    expect.equal(
        first,
        ("b", "value:b"),
        call="anext(stream_results(fetch, ['a', 'b', 'c'])) (fetch('b') is the fastest)",
        hint=STREAM,
    )
    try:
        run = await expect.timed(agen.aclose())
    except BaseExceptionGroup as group:
        expect.fail(
            f"aclose() raised {type(group).__name__}: {group!r}. aclose() throws "
            "GeneratorExit into the generator at its `yield`; a TaskGroup around that "
            "`yield` turns it into an exception group (and a TaskGroup in an async "
            "generator can also cancel the consumer's own task).",
            hint="use plain tasks (asyncio.create_task) and clean them up in `try/finally`.",
        )
    expect.elapsed(
        run,
        0.0,
        what="aclose()",
        services=[fetch],
        hint="on close, cancel the fetches; do not wait for them to end on their own.",
        schedule=[
            ("fetch('a')", 0.0, 1.0, "cancelled"),
            ("fetch('b')", 0.0, 1.0),
            ("fetch('c')", 0.0, 1.0, "cancelled"),
        ],
    )
    expect.cancelled(fetch, "ac", hint=CLEANUP)
    expect.nothing_left_running(fetch, hint=CLEANUP)


@pytest.mark.points(1)
async def test_a_cancelled_consumer_cancels_the_fetches(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0, "c": 3.0})
    got = []

    async def consumer():
        async for pair in kata.stream_results(fetch, ["a", "b", "c"]):
            got.append(pair)

    run = await cancel_after(consumer(), 1.5)
    expect_pairs(
        got,
        [("a", "value:a")],
        call="until the consumer was cancelled at 1.5s, stream_results(fetch, ['a', 'b', 'c'])",
        hint=STREAM,
    )
    expect.cancelled(fetch, "bc", hint=CLEANUP)
    late = [c for c in fetch.cancelled if abs(c.end - 1.5) > TOLERANCE]
    expect.true(
        not late,
        expect.timeline(fetch) + "\nthe fetches must be cancelled when the consumer is, at 1.5s.",
        hint=CLEANUP,
    )
    expect.true(
        run.task.cancelled(),
        "the consumer, cancelled while it waited for the next "
        "pair, did not end cancelled: the generator swallowed its CancelledError.",
        hint="never catch CancelledError for good: clean up in `finally`.",
    )
    expect.nothing_left_running(fetch, hint=CLEANUP)


@pytest.mark.points(1)
async def test_no_keys_and_duplicate_keys(kata):
    fetch = FakeService(delays={"x": 1.0})
    got = await consume(kata.stream_results(fetch, []))
    expect_no_error(got, "stream_results(fetch, [])")
    expect_pairs(got.pairs, [], call="stream_results(fetch, [])")
    expect.elapsed(got.end, 0.0, what="an empty stream", hint="no keys: nothing to wait for.")
    got = await consume(kata.stream_results(fetch, ["x", "x"]))
    expect_no_error(got, "stream_results(fetch, ['x', 'x'])")
    expect_pairs(
        got.pairs,
        [("x", "value:x"), ("x", "value:x")],
        call="stream_results(fetch, ['x', 'x'])",
        hint="a key listed twice is fetched, and yielded, twice.",
    )
    expect.call_count(fetch, 2, hint="one fetch per entry of `keys`, duplicates included.")
