import asyncio
import random

import pytest

from graders import Recorder, expect

SEED = 34
BACKOFF = (
    "after failure n (counting from 0) sleep exactly "
    "`await asyncio.sleep(rng.uniform(0, min(cap, base * 2**n)))`: one draw from `rng` per "
    "sleep, and no sleep after the last attempt."
)


class CountingRandom(random.Random):
    """A seeded random.Random that counts the numbers drawn from it."""

    def __init__(self, seed):
        super().__init__(seed)
        self.draws = 0

    def random(self):
        self.draws += 1
        return super().random()


def expected_draws(seed, base, cap, count):
    """The backoffs a correct retry draws: a twin Random with the same seed."""
    twin = random.Random(seed)
    return [twin.uniform(0, min(cap, base * 2**n)) for n in range(count)]


class Flaky(Recorder):
    """`await op()`: attempt i takes `delay` seconds, then does what `script[i]` says:
    an exception class is raised (a fresh instance, args ("attempt i",)), anything else
    is returned. Past the end of the script, the last entry repeats."""

    def __init__(self, script, delay=0.5):
        super().__init__("op")
        self.script = list(script)
        self.delay = delay
        self.raised = []  # the exception instances, in order

    async def __call__(self):
        i = len(self.calls)
        call = self._begin(i, f"op() #{i}")
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        outcome = self.script[min(i, len(self.script) - 1)]
        if isinstance(outcome, type) and issubclass(outcome, BaseException):
            error = outcome(f"attempt {i}")
            self.raised.append(error)
            self._end(call, "raised", error)
            raise error
        self._end(call, "ok")
        return outcome


def check_attempt_starts(op, draws, base, cap, *, t0=0.0):
    """Attempt i must start when attempt i-1 ended plus backoff draw i-1."""
    t = t0
    for i, call in enumerate(op.calls):
        if i > 0:
            t += op.delay + draws[i - 1]
        if abs(call.start - t) <= 1e-6:
            continue
        if i == 0:
            why = "at once, without any sleep before it"
        else:
            n = i - 1
            yours = call.start - op.calls[n].end
            why = (
                f"{op.delay:g}s of attempt {n}, then the backoff "
                f"rng.uniform(0, min({cap:g}, {base:g} * 2**{n})) = {draws[n]:.4f}s; "
                f"yours slept {yours:.4f}s"
            )
        expect.fail(
            expect.timeline(op)
            + f"\nattempt {i} started at {call.start - t0:.4f}s; expected {t - t0:.4f}s "
            f"({why}).",
            BACKOFF,
        )


def check_end(op, took, expected, why, hint=BACKOFF):
    """retry must return or raise exactly `expected` seconds after it was called."""
    if abs(took - expected) > 1e-6:
        expect.fail(
            expect.timeline(op) + f"\nretry ended {took:.4f}s after it was called; expected "
            f"{expected:.4f}s ({why}).",
            hint,
        )


def check_draws(rng, count):
    expect.true(
        rng.draws == count,
        f"your retry drew {rng.draws} random number(s) from `rng`; expected exactly "
        f"{count}, one per backoff sleep.",
        hint="draw once per sleep, with rng.uniform(0, bound), and only when another attempt "
        "follows: no draw before the first attempt or after the last one. Use the `rng` "
        "you are given, not the `random` module.",
    )


async def outcome_of(task):
    """('cancelled', None), ('raised', exc) or ('returned', value) for a finished task."""
    try:
        value = await task
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise
        return "cancelled", None
    except NotImplementedError:
        raise
    except Exception as exc:
        return "raised", exc
    return "returned", value


async def still_running(task, what):
    """Fail (or report "not started") if `task` ended before the test could cancel it."""
    if task.done():
        kind, value = await outcome_of(task)
        shown = repr(value) if kind == "returned" else f"{type(value).__name__}({value})"
        expect.fail(f"retry {kind} {shown} {what}; it should still have been running.")


@pytest.mark.points(2)
async def test_returns_the_first_success(kata):
    op = Flaky([ConnectionError, ConnectionError, "ok", "too late"])
    rng = CountingRandom(SEED)
    value = await kata.retry(op, attempts=5, base=1.0, cap=10.0, rng=rng)
    expect.equal(
        value,
        "ok",
        call="retry(op, attempts=5, ...) where op() fails twice, then returns 'ok',",
        hint="return what `await op()` returns as soon as one attempt succeeds.",
    )
    expect.call_count(op, 3, hint="stop calling op() as soon as one attempt succeeds.")


@pytest.mark.points(3)
async def test_backoff_is_the_seeded_capped_draw(kata):
    base, cap, attempts = 0.5, 3.0, 6
    op = Flaky([ConnectionError] * 5 + ["ok"])
    rng = CountingRandom(SEED)
    draws = expected_draws(SEED, base, cap, 5)
    run = await expect.timed(
        kata.retry(op, attempts=attempts, base=base, cap=cap, rng=rng, retry_on=(ConnectionError,))
    )
    expect.equal(run.result, "ok", call="retry(op, attempts=6, ...) where op() succeeds at the 6th")
    expect.call_count(op, 6)
    check_attempt_starts(op, draws, base, cap)
    check_draws(rng, 5)
    check_end(op, run.elapsed, 6 * op.delay + sum(draws), "six 0.5s attempts, five backoffs")


@pytest.mark.points(2)
async def test_the_last_error_propagates(kata):
    base, cap, attempts = 1.0, 4.0, 4
    op = Flaky([ConnectionError, TimeoutError, ConnectionError, TimeoutError, "never"])
    rng = CountingRandom(SEED + 1)
    draws = expected_draws(SEED + 1, base, cap, 3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    err = await expect.raises(
        (ConnectionError, TimeoutError),
        kata.retry(op, attempts=attempts, base=base, cap=cap, rng=rng),
        call="retry(op, attempts=4, ...) where every attempt fails",
        hint="when the last attempt fails, re-raise its error (a bare `raise` in the except "
        "block does it).",
    )
    expect.call_count(op, 4, hint="call op() exactly `attempts` times, no more.")
    expect.true(
        err is op.raised[-1],
        f"retry raised {type(err).__name__}({err}); expected the error of the last attempt, "
        f"{type(op.raised[-1]).__name__}({op.raised[-1]}).",
        hint="keep no earlier error: the error of the final attempt is the one to raise.",
    )
    check_attempt_starts(op, draws, base, cap, t0=start)
    check_draws(rng, 3)
    check_end(
        op,
        loop.time() - start,
        4 * op.delay + sum(draws),
        "four attempts, three backoffs, and no sleep after the last failure",
    )


@pytest.mark.points(2)
async def test_other_errors_are_not_retried(kata):
    loop = asyncio.get_running_loop()
    op = Flaky([ValueError])
    rng = CountingRandom(SEED)
    err = await expect.raises(
        ValueError,
        kata.retry(op, attempts=5, base=1.0, cap=8.0, rng=rng, retry_on=(ConnectionError,)),
        call="retry(op, attempts=5, retry_on=(ConnectionError,), ...) where op() raises ValueError",
        hint="only errors listed in `retry_on` are retried: `except retry_on:` catches "
        "exactly those, and any other error passes straight through.",
    )
    expect.call_count(
        op, 1, hint="ValueError is not in retry_on: raise it at once, without retrying."
    )
    expect.true(err is op.raised[0], "retry did not raise op()'s own ValueError.")
    check_end(
        op,
        loop.time(),
        op.delay,
        "one attempt, no backoff",
        hint="raise an error that is not in retry_on at once, without sleeping.",
    )
    check_draws(rng, 0)

    # A retryable failure first, then one that is not: one backoff, then the error.
    op = Flaky([ConnectionError, KeyError, "never"])
    rng = CountingRandom(SEED)
    draws = expected_draws(SEED, 1.0, 8.0, 1)
    start = loop.time()
    await expect.raises(
        KeyError,
        kata.retry(op, attempts=5, base=1.0, cap=8.0, rng=rng, retry_on=(ConnectionError,)),
        call="retry(op, retry_on=(ConnectionError,), ...) where op() raises ConnectionError, "
        "then KeyError",
        hint="only errors listed in `retry_on` are retried.",
    )
    expect.call_count(
        op, 2, hint="retry the ConnectionError once, then raise the KeyError at once."
    )
    check_attempt_starts(op, draws, 1.0, 8.0, t0=start)
    check_end(op, loop.time() - start, 2 * op.delay + draws[0], "two attempts, one backoff")


@pytest.mark.points(2)
async def test_cancel_during_backoff_is_not_retried(kata):
    loop = asyncio.get_running_loop()
    op = Flaky([ConnectionError, "ok"])
    draws = expected_draws(SEED, 4.0, 8.0, 1)
    task = asyncio.create_task(
        kata.retry(op, attempts=3, base=4.0, cap=8.0, rng=CountingRandom(SEED))
    )
    cancel_at = op.delay + draws[0] / 2  # op() has failed; retry is sleeping its backoff
    await asyncio.sleep(cancel_at)
    await still_running(task, "before its first backoff sleep was over")
    expect.call_count(op, 1, hint="after a failure, sleep the backoff before calling op() again.")
    task.cancel()
    kind, value = await outcome_of(task)
    end = loop.time()
    await asyncio.sleep(10)  # long after the backoff would have ended
    expect.true(
        kind == "cancelled",
        "retry was cancelled during its backoff sleep, but it "
        + ("returned " + repr(value) if kind == "returned" else f"raised {value!r}")
        + ": a cancelled task must end cancelled (CancelledError propagates).",
        hint="do not catch asyncio.CancelledError around the sleep; let it propagate.",
    )
    expect.call_count(
        op,
        1,
        hint="a cancellation is not a failure to retry: after CancelledError, call op() no more.",
    )
    check_end(
        op,
        end,
        cancel_at,
        "it was cancelled then, during its backoff",
        hint="let CancelledError out of the backoff sleep at once.",
    )
    expect.nothing_left_running(op)


@pytest.mark.points(1)
async def test_cancel_during_an_attempt_is_not_retried(kata):
    op = Flaky([ConnectionError, "ok"], delay=2.0)
    task = asyncio.create_task(
        kata.retry(op, attempts=3, base=1.0, cap=8.0, rng=CountingRandom(SEED))
    )
    await asyncio.sleep(1.0)
    await still_running(task, "while its first op() call was still running")
    task.cancel()
    kind, value = await outcome_of(task)
    await asyncio.sleep(10)
    expect.true(
        kind == "cancelled",
        "retry was cancelled while op() ran, but it "
        + ("returned " + repr(value) if kind == "returned" else f"raised {value!r}")
        + ": a cancelled task must end cancelled.",
        hint="catch only the errors in retry_on (`except retry_on:`); CancelledError is not an "
        "Exception and must not be caught.",
    )
    expect.cancelled(op, [0], hint="the running op() must see the cancellation.")
    expect.call_count(op, 1, hint="after a cancellation, call op() no more.")
    expect.nothing_left_running(op)


@pytest.mark.points(1)
async def test_one_attempt_and_no_attempts(kata):
    loop = asyncio.get_running_loop()
    op = Flaky([ConnectionError, "ok"])
    rng = CountingRandom(SEED)
    await expect.raises(
        ConnectionError,
        kata.retry(op, attempts=1, base=1.0, cap=8.0, rng=rng),
        call="retry(op, attempts=1, ...) where op() fails",
        hint="attempts=1 means one call and no retry: its error propagates at once.",
    )
    expect.call_count(op, 1)
    check_end(
        op,
        loop.time(),
        op.delay,
        "one attempt, no backoff",
        hint="with attempts=1 there is nothing to wait for: raise the error at once.",
    )
    check_draws(rng, 0)

    op = Flaky(["ok"])
    await expect.raises(
        ValueError,
        kata.retry(op, attempts=0, base=1.0, cap=8.0, rng=rng),
        call="retry(op, attempts=0, ...)",
        hint="fewer than one attempt makes no sense: raise ValueError before calling op().",
    )
    expect.call_count(op, 0, hint="with attempts=0, raise ValueError without calling op().")
