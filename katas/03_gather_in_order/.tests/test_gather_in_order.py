import pytest

from graders import FakeService, expect

OVERLAP = (
    "start every fetch before awaiting any: asyncio.gather(*coros) or a TaskGroup runs "
    "them together."
)


@pytest.mark.points(2)
async def test_results_come_in_input_order(kata):
    fetch = FakeService(delays={"a": 3.0, "b": 1.0, "c": 2.0})
    values = await kata.fetch_all(fetch, ["a", "b", "c"])
    expect.equal(
        values,
        ["value:a", "value:b", "value:c"],
        call="fetch_all(fetch, ['a', 'b', 'c'])",
        hint="results must follow the order of `keys`, not the order fetches finish in.",
    )


@pytest.mark.points(3)
async def test_fetches_overlap(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.6, "c": 0.8})
    run = await expect.timed(kata.fetch_all(fetch, ["a", "b", "c"]))
    expect.elapsed(
        run,
        1.0,
        what="fetching three keys",
        why="the slowest alone, all overlapping",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, ["a", "b", "c"]),
    )
    expect.max_in_flight(fetch, 3, hint=OVERLAP)


@pytest.mark.points(1)
async def test_duplicate_keys_are_fetched_each_time(kata):
    fetch = FakeService(delays=0.5)
    values = await kata.fetch_all(fetch, ["x", "x", "y"])
    expect.equal(
        values, ["value:x", "value:x", "value:y"], call="fetch_all(fetch, ['x', 'x', 'y'])"
    )
    expect.call_count(fetch, 3, hint="fetch once per entry of `keys`, duplicates included.")


@pytest.mark.points(1)
async def test_no_keys_gives_empty_list(kata):
    fetch = FakeService()
    values = await kata.fetch_all(fetch, [])
    expect.equal(values, [], call="fetch_all(fetch, [])", hint="no keys, no fetches: return [].")


@pytest.mark.points(2)
async def test_first_error_propagates_unwrapped(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.5, "c": 2.0}, errors={"b": KeyError})
    err = await expect.raises(
        KeyError,
        kata.fetch_all(fetch, ["a", "b", "c"]),
        call="fetch_all(fetch, ['a', 'b', 'c']) where fetch('b') raises KeyError",
        hint="let the error itself propagate (not wrapped in an ExceptionGroup): "
        "plain asyncio.gather does exactly that.",
    )
    expect.equal(err.args, ("b",), call="the KeyError's args")


@pytest.mark.points(1)
async def test_many_keys_all_at_once(kata):
    keys = [f"k{i}" for i in range(100)]
    fetch = FakeService(delays=lambda key: 1.0 + int(key[1:]) / 100)
    run = await expect.timed(kata.fetch_all(fetch, keys))
    expect.equal(run.result, [f"value:{k}" for k in keys], call="fetch_all(fetch, 100 keys)")
    expect.elapsed(run, 1.99, what="fetching 100 keys", why="the slowest alone", hint=OVERLAP)
    expect.max_in_flight(fetch, 100, hint=OVERLAP)
