import pytest

from graders import FakeService, expect
from graders.expect import TOLERANCE
from graders.outcomes import Outcome, describe, settle

ONE_BUDGET = (
    "the budget is for the whole chain: put the whole loop inside ONE "
    "`async with asyncio.timeout(budget):` (or compute a deadline once and give each fetch "
    "only the time left until it)."
)
KEEP = (
    "append each value as it arrives, catch the TimeoutError outside the timeout block, "
    "and return what you collected."
)
CANCEL = (
    "when the budget runs out, the fetch running at that moment must be cancelled, and "
    "no later key fetched."
)


def expect_took(
    outcome: Outcome, expected: float, *, what: str, why: str, fetch, hint: str
) -> None:
    """Like expect.elapsed, without its story about overlap: a chain is meant to run one
    fetch after another."""
    took = outcome.elapsed
    if abs(took - expected) > TOLERANCE:
        expect.fail(
            f"{expect.timeline(fetch)}\nexpected {what} to take {expected:g}s "
            f"({why}); yours took {took:g}s.",
            hint,
        )


def values_of(outcome: Outcome, *, call: str) -> list:
    if isinstance(outcome.error, TimeoutError):
        expect.fail(
            f"{call} let a TimeoutError escape; when the budget runs out, return "
            "the values completed so far instead.",
            KEEP,
        )
    if outcome.error is not None:
        expect.fail(f"{call} raised {describe(outcome.error)}; expected it to return a list.")
    return outcome.value


@pytest.mark.points(2)
async def test_all_fetches_fit_in_the_budget(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0, "c": 1.5})
    call = "fetch_chain(fetch, ['a', 'b', 'c'], 10.0) with fetches of 1s, 2s and 1.5s"
    outcome = await settle(kata.fetch_chain(fetch, ["a", "b", "c"], 10.0))
    expect.equal(
        values_of(outcome, call=call),
        ["value:a", "value:b", "value:c"],
        call=call,
        hint="fetch every key, in order, and return their values.",
    )
    expect_took(
        outcome,
        4.5,
        what="three fetches of 1s, 2s and 1.5s in a chain",
        why="one after another, each as long as it takes",
        fetch=fetch,
        hint="return as soon as the last fetch ends; fetch one key after another.",
    )
    expect.not_cancelled(fetch, ["a", "b", "c"])


@pytest.mark.points(3)
async def test_budget_runs_out_mid_chain(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0, "c": 3.0, "d": 1.0})
    call = "fetch_chain(fetch, ['a', 'b', 'c', 'd'], 4.0) with fetches of 1s, 2s, 3s, 1s"
    outcome = await settle(kata.fetch_chain(fetch, ["a", "b", "c", "d"], 4.0))
    values = values_of(outcome, call=call)
    expect_took(
        outcome,
        4.0,
        what=call,
        why="the budget: 'c' would end at 6s, past it",
        fetch=fetch,
        hint=ONE_BUDGET,
    )
    expect.equal(
        values,
        ["value:a", "value:b"],
        call=call,
        hint="return the values of the fetches that completed within the budget, in order. " + KEEP,
    )


@pytest.mark.points(2)
async def test_exactly_one_fetch_cancelled(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 2.0, "c": 3.0, "d": 1.0})
    await settle(kata.fetch_chain(fetch, ["a", "b", "c", "d"], 4.0))
    expect.not_cancelled(fetch, ["a", "b"], hint=CANCEL)
    expect.cancelled(fetch, ["c"], hint=CANCEL)
    expect.true(
        not fetch.calls_for("d"),
        expect.timeline(fetch) + "\nfetch('d') was started after the budget had run out.",
        hint=CANCEL,
    )
    expect.nothing_left_running(fetch, hint=CANCEL)


@pytest.mark.points(1)
async def test_long_fetch_may_use_time_left_by_short_ones(kata):
    fetch = FakeService(delays={"a": 0.5, "b": 3.0, "c": 0.5})
    call = "fetch_chain(fetch, ['a', 'b', 'c'], 5.0) with fetches of 0.5s, 3s and 0.5s"
    outcome = await settle(kata.fetch_chain(fetch, ["a", "b", "c"], 5.0))
    expect.equal(
        values_of(outcome, call=call),
        ["value:a", "value:b", "value:c"],
        call=call,
        hint="the chain takes 4s, within the 5s budget: every fetch fits. Do not "
        "split the budget into equal slices per key; " + ONE_BUDGET,
    )
    expect_took(
        outcome,
        4.0,
        what=call,
        why="the three fetches, one after another",
        fetch=fetch,
        hint=ONE_BUDGET,
    )


@pytest.mark.points(1)
async def test_fetches_run_one_after_another(kata):
    fetch = FakeService(delays={"a": 1.0, "b": 0.5, "c": 0.25})
    await settle(kata.fetch_chain(fetch, ["a", "b", "c"], 10.0))
    expect.max_in_flight(
        fetch,
        1,
        hint="a chain fetches one key at a time: await each fetch before starting the next.",
    )
    expect.equal(
        [c.key for c in fetch.calls],
        ["a", "b", "c"],
        call="fetch_chain(fetch, ['a', 'b', 'c'], 10.0): the keys fetched, in order,",
        hint="fetch the keys in the order given.",
    )


@pytest.mark.points(1)
async def test_fetch_error_propagates(kata):
    fetch = FakeService(delays=1.0, errors={"b": ValueError})
    call = "fetch_chain(fetch, ['a', 'b', 'c'], 10.0) where fetch('b') raises ValueError"
    outcome = await settle(kata.fetch_chain(fetch, ["a", "b", "c"], 10.0))
    hint = (
        "only the budget running out ends the chain quietly; an error of a fetch must "
        "reach the caller unchanged. Catch TimeoutError only."
    )
    if outcome.error is None:
        expect.fail(
            f"{call} returned {outcome.value!r}; expected the ValueError to propagate.", hint
        )
    expect.true(
        type(outcome.error) is ValueError,
        f"{call} raised {describe(outcome.error)}; expected ValueError('b').",
        hint=hint,
    )
    expect_took(
        outcome,
        2.0,
        what=call,
        why="when fetch('b') failed",
        fetch=fetch,
        hint="let the error out as soon as it happens.",
    )
    expect.true(
        not fetch.calls_for("c"), "fetch('c') was started after fetch('b') failed.", hint=hint
    )


@pytest.mark.points(1)
async def test_zero_budget_and_no_keys(kata):
    for budget in (0, -1.0):
        fetch = FakeService(delays=1.0)
        call = f"fetch_chain(fetch, ['a', 'b'], {budget!r})"
        outcome = await settle(kata.fetch_chain(fetch, ["a", "b"], budget))
        expect.equal(
            values_of(outcome, call=call),
            [],
            call=call,
            hint="a budget of 0 (or less) leaves no time for any fetch: return [].",
        )
        expect_took(
            outcome,
            0.0,
            what=call,
            why="no budget at all",
            fetch=fetch,
            hint="with no budget, return at once.",
        )
        expect.true(
            len(fetch.calls) <= 1,
            expect.timeline(fetch) + f"\n{call} started {len(fetch.calls)} fetches; a "
            "chain has at most one fetch running at a time.",
            hint="await each fetch before starting the next.",
        )
        expect.true(
            all(c.outcome == "cancelled" for c in fetch.calls),
            expect.timeline(fetch) + f"\n{call} left a fetch to finish without budget.",
            hint=CANCEL,
        )
        expect.nothing_left_running(fetch, hint=CANCEL)

    fetch = FakeService(delays=1.0)
    call = "fetch_chain(fetch, [], 3.0)"
    outcome = await settle(kata.fetch_chain(fetch, [], 3.0))
    expect.equal(values_of(outcome, call=call), [], call=call)
    expect_took(
        outcome,
        0.0,
        what=call,
        why="nothing to fetch",
        fetch=fetch,
        hint="with no keys, return [] at once.",
    )
