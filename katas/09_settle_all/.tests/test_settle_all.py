import asyncio

import pytest

from graders import FakeService, expect
from graders.cancelling import cancel_after, expect_cancelled
from graders.expect import TOLERANCE
from graders.loop_errors import expect_no_loop_errors

SETTLE = (
    "an error must become the key's entry in the dict, not end the call: "
    "`asyncio.gather(*coros, return_exceptions=True)` returns each error in place of its "
    "value; or give each fetch a small wrapper that catches `Exception` and returns it."
)
OVERLAP = (
    "start every fetch before awaiting any: asyncio.gather(..., return_exceptions=True), "
    "or one task per key."
)
CANCEL_ALL = (
    "when the caller is cancelled, every fetch must be cancelled with it. gather (and a "
    "TaskGroup) do that for you; `asyncio.wait` does not, and awaiting tasks one by one "
    "cancels only the one being awaited. Never catch CancelledError (`except "
    "BaseException`) to store it as a result."
)


def describe(value) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}({', '.join(map(repr, value.args))})"
    return repr(value)


def describe_dict(d) -> str:
    if not isinstance(d, dict):
        return repr(d)
    return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in d.items()) + "}"


async def settle(kata, fetch, keys, call: str):
    """Await fetch_settled(fetch, keys), failing with a lesson if it raises."""
    loop = asyncio.get_running_loop()
    try:
        return await expect.timed(kata.fetch_settled(fetch, keys))
    except NotImplementedError:
        raise
    except BaseException as exc:
        current = asyncio.current_task()
        if isinstance(exc, asyncio.CancelledError) and current and current.cancelling():
            raise
        picture = expect.timeline(fetch) + "\n" if len(fetch.calls) <= 8 else ""
        expect.fail(
            picture + f"{call} raised {type(exc).__name__}: {exc} at {loop.time():g}s; expected "
            "it to return a dict, with each failed fetch's error as that key's value.",
            hint=SETTLE,
        )


def expect_settled(result, fetch, keys, call: str) -> None:
    """result maps each key to its value, or to the very exception its fetch raised."""
    expected = {}
    for key in dict.fromkeys(keys):
        calls = fetch.calls_for(key)
        raised = [c.error for c in calls if c.outcome == "raised"]
        expected[key] = raised[0] if raised else fetch.value_for(key)
    ok = isinstance(result, dict) and set(result) == set(expected)
    ok = ok and all(
        result[k] is v if isinstance(v, BaseException) else result[k] == v
        for k, v in expected.items()
    )
    if not ok:
        same_look = isinstance(result, dict) and describe_dict(result) == describe_dict(expected)
        expect.fail(
            f"{call} returned {describe_dict(result)}\nexpected {describe_dict(expected)}"
            + (
                "\n(they look alike, but each error must be the very exception object the "
                "fetch raised, not a copy or a new one)"
                if same_look
                else ""
            ),
            hint="map every key to its fetch's value or, if the fetch raised, to that "
            "exception. " + SETTLE,
        )


@pytest.mark.points(2)
async def test_maps_each_key_to_its_value_or_error(kata):
    fetch = FakeService(
        delays={"a": 1.0, "b": 0.5, "c": 2.0, "d": 1.5},
        errors={"b": KeyError, "c": ValueError},
    )
    keys = ["a", "b", "c", "d"]
    call = "fetch_settled(fetch, ['a', 'b', 'c', 'd']), where fetch('b') and fetch('c') raise,"
    run = await settle(kata, fetch, keys, call)
    expect_settled(run.result, fetch, keys, call)


@pytest.mark.points(3)
async def test_an_early_failure_stops_nothing(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.5, "c": 3.0, "d": 2.0}, errors={"b": KeyError})
    keys = ["a", "b", "c", "d"]
    call = "fetch_settled(fetch, ['a', 'b', 'c', 'd']), where fetch('b') fails at 0.5s,"
    run = await settle(kata, fetch, keys, call)
    expect.not_cancelled(
        fetch,
        keys,
        hint="one failure must not stop the other fetches: a TaskGroup cancels every "
        "sibling at the first error, which is right for all-or-nothing work (kata 10), "
        "not here. " + SETTLE,
    )
    expect.elapsed(
        run,
        3.0,
        what=call,
        why="the slowest fetch, all overlapping",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, keys),
    )
    expect.max_in_flight(fetch, 4, hint=OVERLAP)
    expect_settled(run.result, fetch, keys, call)


@pytest.mark.points(1)
async def test_every_fetch_failing_still_returns(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0}, errors={"a": KeyError, "b": OSError})
    call = "fetch_settled(fetch, ['a', 'b']), where both fetches fail,"
    run = await settle(kata, fetch, ["a", "b"], call)
    expect_settled(run.result, fetch, ["a", "b"], call)
    expect.elapsed(
        run, 2.0, what=call, services=[fetch], hint=OVERLAP, schedule=expect.ideal(fetch, "ab")
    )


@pytest.mark.points(1)
async def test_many_keys_all_at_once(kata):
    keys = [f"k{i}" for i in range(50)]
    fetch = FakeService(
        delays=lambda key: 1.0 + int(key[1:]) / 100,
        errors=lambda key: LookupError if int(key[1:]) % 3 == 0 else None,
    )
    call = "fetch_settled(fetch, 50 keys), where every third fetch fails,"
    run = await settle(kata, fetch, keys, call)
    expect_settled(run.result, fetch, keys, call)
    expect.elapsed(run, 1.49, what=call, why="the slowest fetch alone", hint=OVERLAP)
    expect.max_in_flight(fetch, 50, hint=OVERLAP)


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_cancelling_the_caller_cancels_every_fetch(kata):
    fetch = FakeService(
        delays={"a": 0.5, "b": 1.0, "c": 3.0, "d": 4.0, "e": 5.0}, errors={"a": KeyError}
    )
    keys = ["a", "b", "c", "d", "e"]
    call = "fetch_settled(fetch, ['a', 'b', 'c', 'd', 'e'])"
    run = await cancel_after(kata.fetch_settled(fetch, keys), 2.0)
    expect_cancelled(run, call=call, promptly=True, hint=CANCEL_ALL)
    expect.cancelled(fetch, "cde", hint=CANCEL_ALL)
    late = [c for c in fetch.cancelled if abs(c.end - 2.0) > TOLERANCE]
    expect.true(
        not late,
        expect.timeline(fetch)
        + "\n"
        + "; ".join(f"{c.label} was cancelled at {c.end:g}s" for c in late)
        + "; every fetch must be cancelled when the caller is, at 2s.",
        hint=CANCEL_ALL,
    )
    expect.nothing_left_running(fetch, hint=CANCEL_ALL)
    expect_no_loop_errors(during="the caller was cancelled", hint=CANCEL_ALL)


@pytest.mark.points(1)
async def test_no_keys(kata):
    fetch = FakeService()
    run = await settle(kata, fetch, [], "fetch_settled(fetch, [])")
    expect.equal(
        run.result, {}, call="fetch_settled(fetch, [])", hint="no keys: an empty dict, at once."
    )
    expect.elapsed(run, 0.0, what="fetch_settled(fetch, [])", hint="nothing to wait for.")


@pytest.mark.points(1)
async def test_duplicate_keys_are_fetched_once(kata):
    fetch = FakeService(delays={"x": 1.0, "y": 2.0})
    call = "fetch_settled(fetch, ['x', 'y', 'x'])"
    run = await settle(kata, fetch, ["x", "y", "x"], call)
    expect_settled(run.result, fetch, ["x", "y"], call)
    expect.call_count(
        fetch,
        2,
        hint="the dict has one entry per key, so fetch each distinct key once: "
        "`dict.fromkeys(keys)` drops duplicates and keeps the order.",
    )
