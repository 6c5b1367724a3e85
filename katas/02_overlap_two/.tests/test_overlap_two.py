import pytest

from graders import FakeService, expect

OVERLAP = (
    "start both fetches before awaiting either: `await asyncio.gather(fetch(a), fetch(b))`, "
    "or create_task() both and then await the tasks."
)


@pytest.mark.points(2)
async def test_returns_the_pair_in_argument_order(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.6})
    pair = await kata.fetch_pair(fetch, "a", "b")
    expect.equal(
        pair,
        ("value:a", "value:b"),
        call="fetch_pair(fetch, 'a', 'b')",
        hint="return a tuple (value_a, value_b); gather returns a list, so convert it."
        if list(pair or []) == ["value:a", "value:b"]
        else "the first element is a's value, the second b's, whichever finishes first.",
    )


@pytest.mark.points(2)
async def test_waits_overlap_when_the_first_is_slower(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.6})
    run = await expect.timed(kata.fetch_pair(fetch, "a", "b"))
    expect.elapsed(
        run,
        1.0,
        what="fetch_pair(fetch, 'a', 'b')",
        why="the slower fetch alone",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, ["a", "b"]),
    )
    expect.max_in_flight(fetch, 2, hint=OVERLAP)


@pytest.mark.points(2)
async def test_waits_overlap_when_the_second_is_slower(kata):
    fetch = FakeService(delays={"a": 0.5, "b": 2.0})
    run = await expect.timed(kata.fetch_pair(fetch, "a", "b"))
    expect.equal(run.result, ("value:a", "value:b"), call="fetch_pair(fetch, 'a', 'b')")
    expect.elapsed(
        run,
        2.0,
        what="fetch_pair(fetch, 'a', 'b')",
        why="the slower fetch alone",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, ["a", "b"]),
    )
    expect.max_in_flight(fetch, 2, hint=OVERLAP)


@pytest.mark.points(1)
async def test_same_key_twice_is_fetched_twice(kata):
    fetch = FakeService(delays=0.5)
    run = await expect.timed(kata.fetch_pair(fetch, "k", "k"))
    expect.equal(run.result, ("value:k", "value:k"), call="fetch_pair(fetch, 'k', 'k')")
    expect.call_count(fetch, 2, hint="each argument is one fetch, even when both are equal.")
    expect.elapsed(
        run,
        0.5,
        what="fetch_pair(fetch, 'k', 'k')",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, ["k", "k"]),
    )


@pytest.mark.points(1)
async def test_error_from_the_first_fetch_propagates(kata):
    fetch = FakeService(delays={"a": 0.5, "b": 1.0}, errors={"a": KeyError})
    err = await expect.raises(
        KeyError,
        kata.fetch_pair(fetch, "a", "b"),
        call="fetch_pair(fetch, 'a', 'b') where fetch('a') raises KeyError('a')",
        hint="do not catch the fetch's error: let it propagate to the caller.",
        allow_group=True,
    )
    expect.equal(err.args, ("a",), call="the error's args")


@pytest.mark.points(1)
async def test_error_from_the_second_fetch_propagates(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.5}, errors={"b": ValueError})
    await expect.raises(
        ValueError,
        kata.fetch_pair(fetch, "a", "b"),
        call="fetch_pair(fetch, 'a', 'b') where fetch('b') raises ValueError('b')",
        hint="do not catch the fetch's error: let it propagate to the caller.",
        allow_group=True,
    )
