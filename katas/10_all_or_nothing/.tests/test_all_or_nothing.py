import pytest

from graders import FakeService, expect
from graders.outcomes import Outcome, describe, leaves, settle

TASKGROUP = (
    "run the fetches in an `async with asyncio.TaskGroup() as tg:` block: when one "
    "fails, the group cancels the others, waits for them, and raises an ExceptionGroup."
)
OVERLAP = "create every task before awaiting any: the TaskGroup runs them all at once."
INSIDE = (
    "catch KeyError *inside* each task (a small `async def` around `fetch(key)`), so the "
    "TaskGroup never sees it: an error that reaches the group cancels every other fetch."
)


# -- helpers ------------------------------------------------------------------------------
def expect_raised(outcome: Outcome, *, call: str, hint: str) -> None:
    if outcome.error is None:
        expect.fail(f"{call} returned {outcome.value!r}; expected it to raise.", hint)


def expect_group_of(
    outcome: Outcome, expected: list[BaseException], *, call: str, hint: str
) -> None:
    """The call raised an ExceptionGroup whose leaves are exactly ``expected``."""
    want = "[" + ", ".join(describe(e) for e in expected) + "]"
    expect_raised(outcome, call=call, hint=hint)
    error = outcome.error
    if not isinstance(error, BaseExceptionGroup):
        expect.fail(
            f"{call} raised {describe(error)} by itself; expected an ExceptionGroup holding "
            f"{want}. All-or-nothing code reports its failure the TaskGroup way: as a "
            "group, even when only one task failed.",
            hint,
        )
    got = leaves(error)
    if [describe(e) for e in got] != [describe(e) for e in expected]:
        expect.fail(
            f"{call} raised an ExceptionGroup holding [{', '.join(describe(e) for e in got)}]; "
            f"expected it to hold exactly {want}.",
            hint,
        )


# -- fetch_strict -------------------------------------------------------------------------
@pytest.mark.points(2)
async def test_strict_values_in_input_order_all_at_once(kata):
    fetch = FakeService(delays={"a": 3.0, "b": 1.0, "c": 2.0})
    run = await expect.timed(kata.fetch_strict(fetch, ["a", "b", "c"]))
    expect.equal(
        run.result,
        ["value:a", "value:b", "value:c"],
        call="fetch_strict(fetch, ['a', 'b', 'c'])",
        hint="return a list of the values in the order of `keys`: keep the tasks "
        "in a list and read `task.result()` after the group has finished.",
    )
    expect.elapsed(
        run,
        3.0,
        what="fetch_strict on three keys",
        why="the slowest alone",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, "abc"),
    )
    expect.max_in_flight(fetch, 3, hint=OVERLAP)


@pytest.mark.points(2)
async def test_strict_fails_fast_at_the_first_error(kata):
    fetch = FakeService(delays={"a": 2.0, "b": 0.5, "c": 3.0}, errors={"b": ValueError})
    call = "fetch_strict(fetch, ['a', 'b', 'c']) where fetch('b') raises at 0.5s"
    outcome = await settle(kata.fetch_strict(fetch, ["a", "b", "c"]))
    expect_raised(outcome, call=call, hint=TASKGROUP)
    expect.elapsed(
        outcome.elapsed,
        0.5,
        what=call,
        why="all or nothing: once one fetch failed, the answer is known",
        services=[fetch],
        hint="do not wait for the other fetches once one has failed: " + TASKGROUP,
        schedule=[
            ("fetch('a')", 0.0, 0.5, "cancelled"),
            ("fetch('b')", 0.0, 0.5, "raised"),
            ("fetch('c')", 0.0, 0.5, "cancelled"),
        ],
    )


@pytest.mark.points(2)
async def test_strict_error_comes_in_an_exception_group(kata):
    fetch = FakeService(
        delays={"a": 2.0, "b": 0.5, "c": 1.0}, errors={"b": ValueError, "c": RuntimeError}
    )
    outcome = await settle(kata.fetch_strict(fetch, ["a", "b", "c"]))
    expect_group_of(
        outcome,
        [ValueError("b")],
        call="fetch_strict(fetch, ['a', 'b', 'c']) where fetch('b') raises ValueError at "
        "0.5s and fetch('c') would raise RuntimeError at 1s",
        hint="let the TaskGroup's ExceptionGroup propagate: do not catch it, unwrap it or "
        "build your own from every error. fetch('c') was cancelled before it could fail, "
        "so only fetch('b')'s error belongs in the group.",
    )


@pytest.mark.points(2)
async def test_strict_cancels_the_slower_fetches(kata):
    fetch = FakeService(delays={"a": 2.0, "b": 0.5, "c": 3.0, "d": 5.0}, errors={"b": ValueError})
    outcome = await settle(kata.fetch_strict(fetch, ["a", "b", "c", "d"]))
    expect_raised(
        outcome,
        call="fetch_strict(fetch, ['a', 'b', 'c', 'd']) where fetch('b') raises",
        hint=TASKGROUP,
    )
    hint = (
        "when one fetch fails, the others must be cancelled, and awaited, before the "
        "error comes out. " + TASKGROUP
    )
    expect.cancelled(fetch, ["a", "c", "d"], hint=hint)
    expect.nothing_left_running(fetch, hint=hint)


# -- fetch_triaged ------------------------------------------------------------------------
@pytest.mark.points(2)
async def test_triaged_found_and_missing_in_key_order(kata):
    keys = ["a", "b", "c", "d", "e"]
    fetch = FakeService(
        delays={"a": 3.0, "b": 2.0, "c": 1.0, "d": 0.5, "e": 2.5},
        errors={"b": KeyError, "d": KeyError},
    )
    call = "fetch_triaged(fetch, ['a', 'b', 'c', 'd', 'e']) where 'b' and 'd' raise KeyError"
    result = await kata.fetch_triaged(fetch, keys)
    expect.true(
        isinstance(result, tuple) and len(result) == 2,
        f"{call} returned {result!r}; expected a tuple (found, missing).",
        hint="`return found, missing`: a dict of the values found and a list of the missing keys.",
    )
    found, missing = result
    expect.true(
        isinstance(found, dict) and isinstance(missing, list),
        f"{call} returned ({type(found).__name__}, {type(missing).__name__}); "
        "expected (dict, list).",
        hint="found maps each key to its value; missing lists the keys.",
    )
    expect.equal(
        list(found.items()),
        [("a", "value:a"), ("c", "value:c"), ("e", "value:e")],
        call=f"{call}: list(found.items())",
        hint="found holds every key whose fetch succeeded, in the order of `keys` "
        "(not the order the fetches finished): build it after the group is done.",
    )
    expect.equal(
        missing,
        ["b", "d"],
        call=f"{call}: missing",
        hint="missing lists the keys whose fetch raised KeyError, in the order of `keys`.",
    )


@pytest.mark.points(2)
async def test_triaged_missing_keys_do_not_stop_the_others(kata):
    fetch = FakeService(delays={"a": 0.5, "b": 2.0, "c": 1.0}, errors={"a": KeyError})
    call = "fetch_triaged(fetch, ['a', 'b', 'c']) where fetch('a') raises KeyError at 0.5s"
    outcome = await settle(kata.fetch_triaged(fetch, ["a", "b", "c"]))
    if outcome.error is not None:
        expect.fail(
            f"{call} raised {describe(outcome.error)}; a KeyError only means the key is missing.",
            INSIDE,
        )
    expect.not_cancelled(fetch, ["b", "c"], hint=INSIDE)
    expect.equal(outcome.value, ({"b": "value:b", "c": "value:c"}, ["a"]), call=call, hint=INSIDE)
    expect.elapsed(
        outcome.elapsed,
        2.0,
        what=call,
        why="the slowest fetch alone",
        services=[fetch],
        hint=OVERLAP,
        schedule=expect.ideal(fetch, "abc"),
    )
    expect.max_in_flight(fetch, 3, hint=OVERLAP)


@pytest.mark.points(2)
async def test_triaged_other_error_propagates_in_a_group(kata):
    fetch = FakeService(
        delays={"a": 0.5, "b": 1.0, "c": 3.0}, errors={"a": KeyError, "b": ValueError}
    )
    call = (
        "fetch_triaged(fetch, ['a', 'b', 'c']) where fetch('a') raises KeyError at "
        "0.5s and fetch('b') ValueError at 1s"
    )
    outcome = await settle(kata.fetch_triaged(fetch, ["a", "b", "c"]))
    expect_group_of(
        outcome,
        [ValueError("b")],
        call=call,
        hint="only KeyError means 'missing'; any other error must fail the whole call, "
        "wrapped in an ExceptionGroup as a TaskGroup does (and the KeyError, already "
        "handled, stays out of it).",
    )
    expect.elapsed(
        outcome.elapsed,
        1.0,
        what=call,
        why="the first real failure",
        services=[fetch],
        hint="fail fast: once a real error happened, do not wait for the rest. " + TASKGROUP,
        schedule=[*expect.ideal(fetch, "ab"), ("fetch('c')", 0.0, 1.0, "cancelled")],
    )


@pytest.mark.points(1)
async def test_triaged_other_error_cancels_the_rest(kata):
    fetch = FakeService(
        delays={"a": 0.5, "b": 1.0, "c": 3.0, "d": 5.0}, errors={"a": KeyError, "b": ValueError}
    )
    outcome = await settle(kata.fetch_triaged(fetch, ["a", "b", "c", "d"]))
    expect_raised(
        outcome,
        call="fetch_triaged(fetch, ['a', 'b', 'c', 'd']) where fetch('b') raises ValueError",
        hint="only KeyError means 'missing': a ValueError is a "
        "real failure, which fails the whole call. " + TASKGROUP,
    )
    hint = "a real error must cancel the fetches still running. " + TASKGROUP
    expect.cancelled(fetch, ["c", "d"], hint=hint)
    expect.nothing_left_running(fetch, hint=hint)


# -- both -----------------------------------------------------------------------------------
@pytest.mark.points(1)
async def test_no_keys(kata):
    fetch = FakeService()
    expect.equal(await kata.fetch_strict(fetch, []), [], call="fetch_strict(fetch, [])")
    expect.equal(
        await kata.fetch_triaged(fetch, []),
        ({}, []),
        call="fetch_triaged(fetch, [])",
        hint="no keys: nothing found, nothing missing: `({}, [])`.",
    )
    expect.call_count(fetch, 0)
