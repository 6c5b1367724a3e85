import asyncio

import pytest

from graders import FakeService, expect

STATE = (
    "`state` must say where the breaker is *now*: make it a property that also compares "
    "the loop's clock (`asyncio.get_running_loop().time()`) with the moment the circuit "
    'opened, so it reads "half-open" from the instant reset_after seconds have passed.'
)


def service(name="fn", delay=1.0):
    """`await svc(key)`: "bad*" keys raise ConnectionError, "hang*" keys never answer."""
    return FakeService(
        name,
        delays=delay,
        errors=lambda key: ConnectionError(key) if str(key).startswith("bad") else None,
        hang={f"hang{i}" for i in range(5)},
    )


def now():
    return asyncio.get_running_loop().time()


async def sleep_until(t):
    await asyncio.sleep(t - now())


async def outcome(awaitable):
    """('returned', value) or ('raised', exc), and the virtual time it took."""
    start = now()
    try:
        value = await awaitable
    except NotImplementedError:
        raise
    except Exception as exc:
        return "raised", exc, now() - start
    return "returned", value, now() - start


async def still_running(task, what):
    """Report the stub (or a call that ended too soon) before cancelling `task`."""
    if task.done():
        kind, value, _ = await outcome(task)
        expect.fail(
            f"{what} {describe(kind, value)} at once; expected it to call fn, which hangs, "
            "and wait for it."
        )


def check_state(cb, expected, story, hint=STATE):
    got = cb.state
    if got != expected:
        expect.fail(
            f"at {now():g}s, {story}: breaker.state is {got!r}; expected {expected!r}.", hint
        )


def describe(kind, value):
    return f"returned {value!r}" if kind == "returned" else f"raised {type(value).__name__}"


async def open_circuit(kata, svc, fail_max=2, reset_after=10.0):
    """A breaker opened at t = fail_max (each failing call takes 1s)."""
    cb = kata.CircuitBreaker(fail_max, reset_after)
    for i in range(fail_max):
        kind, value, _ = await outcome(cb.call(svc, f"bad{i}"))
        if not (kind == "raised" and isinstance(value, ConnectionError)):
            expect.fail(
                f"breaker.call(fn, 'bad{i}') where fn raises ConnectionError "
                f"{describe(kind, value)}; expected the ConnectionError itself.",
                "while the circuit is closed, call fn and let its errors propagate.",
            )
    check_state(
        cb,
        "open",
        f"after {fail_max} consecutive failures with fail_max={fail_max}",
        "open the circuit as soon as the fail_max-th consecutive failure comes back.",
    )
    return cb


async def expect_rejected(kata, cb, spare, story):
    kind, value, took = await outcome(cb.call(spare, "x"))
    if kind != "raised" or not isinstance(value, kata.CircuitOpenError):
        expect.fail(
            f"at {now():g}s, {story}, breaker.call(fn, 'x') {describe(kind, value)}; expected "
            "CircuitOpenError (the one defined in kata.py), raised at once.",
            "while the circuit is open, raise CircuitOpenError without calling fn.",
        )
    expect.call_count(spare, 0, hint="while the circuit is open, never call fn.")
    expect.true(
        took == 0,
        f"the rejected call took {took:g}s; CircuitOpenError must be raised at once.",
    )


@pytest.mark.points(2)
async def test_opens_after_consecutive_failures(kata):
    svc = service()
    cb = kata.CircuitBreaker(3, 10.0)
    check_state(cb, "closed", "a new breaker", "a breaker starts closed.")
    script = [
        ("bad0", "closed"),
        ("bad1", "closed"),
        ("good", "closed"),  # a success resets the count
        ("bad2", "closed"),
        ("bad3", "closed"),
        ("bad4", "open"),  # the third failure in a row
    ]
    done = []
    for key, state in script:
        kind, value, _ = await outcome(cb.call(svc, key))
        want = "returned" if key == "good" else "raised"
        ok = kind == want and (
            value == "value:good" if want == "returned" else isinstance(value, ConnectionError)
        )
        if not ok:
            expect.fail(
                f"breaker.call(fn, {key!r}) {describe(kind, value)}; expected it to "
                + ("return 'value:good'." if key == "good" else "raise fn's ConnectionError."),
                "while the circuit is closed, return fn's result and let its errors "
                "propagate unchanged.",
            )
        done.append(key)
        check_state(
            cb,
            state,
            f"with fail_max=3, after calls {', '.join(done)} (bad* fail, good succeeds)",
            "count *consecutive* failures: a success sets the count back to 0; the circuit "
            "opens when the count reaches fail_max.",
        )
    expect.call_count(svc, 6)


@pytest.mark.points(2)
async def test_open_rejects_without_calling(kata):
    cb = await open_circuit(kata, service(), fail_max=2, reset_after=10.0)  # opens at 2s
    spare = service("fn2")
    for t in (2.0, 2.5, 7.0, 11.75):
        await sleep_until(t)
        check_state(cb, "open", "the circuit opened at 2s with reset_after=10")
        await expect_rejected(kata, cb, spare, "the circuit opened at 2s with reset_after=10")


@pytest.mark.points(2)
async def test_half_open_after_reset_after(kata):
    svc = service()
    cb = await open_circuit(kata, svc, fail_max=2, reset_after=10.0)  # opens at 2s
    await sleep_until(11.75)
    check_state(cb, "open", "the circuit opened at 2s with reset_after=10")
    await sleep_until(12.0)
    check_state(cb, "half-open", "exactly reset_after=10 seconds after the circuit opened")
    kind, value, _ = await outcome(cb.call(svc, "probe"))
    if kind != "returned" or value != "value:probe":
        expect.fail(
            f"at 12s, in the half-open state, breaker.call(fn, 'probe') {describe(kind, value)}; "
            "expected it to call fn and return 'value:probe'.",
            "once half-open, the next call is the probe: it really calls fn.",
        )
    check_state(
        cb,
        "closed",
        "after the half-open probe succeeded",
        "a successful probe closes the circuit.",
    )
    await outcome(cb.call(svc, "bad9"))
    check_state(
        cb,
        "closed",
        "after the probe closed the circuit and one call failed (fail_max=2)",
        "closing the circuit starts the failure count from 0.",
    )


@pytest.mark.points(3)
async def test_one_probe_among_concurrent_callers(kata):
    svc = service()
    cb = await open_circuit(kata, svc, fail_max=2, reset_after=10.0)  # opens at 2s
    await sleep_until(12.0)
    probe_fn = service("fn2")
    results = {}

    async def caller(i):
        results[i] = await outcome(cb.call(probe_fn, f"p{i}"))

    tasks = [asyncio.create_task(caller(i)) for i in range(10)]
    await asyncio.sleep(0.5)
    check_state(cb, "half-open", "while the probe call is in flight")
    await asyncio.gather(*tasks)
    for t in tasks:  # the stub, or another error of the learner's code
        if t.exception() is not None:
            raise t.exception()
    expect.call_count(
        probe_fn,
        1,
        hint="in the half-open state exactly one caller may call fn (the probe); mark the "
        "probe as in flight before awaiting it, and reject the others with CircuitOpenError.",
    )
    returned = [i for i, (k, _, _) in results.items() if k == "returned"]
    rejected = [
        i
        for i, (k, v, took) in results.items()
        if k == "raised" and isinstance(v, kata.CircuitOpenError) and took == 0
    ]
    expect.true(
        len(returned) == 1 and len(rejected) == 9,
        f"of 10 callers arriving together in the half-open state, {len(returned)} returned "
        f"a value and {len(rejected)} got CircuitOpenError at once; expected 1 and 9: "
        + "; ".join(
            f"caller {i} {describe(k, v)} after {took:g}s" for i, (k, v, took) in results.items()
        ),
        hint="the callers that find a probe in flight do not wait for it: they raise "
        "CircuitOpenError at once.",
    )
    check_state(
        cb, "closed", "after the probe succeeded at 13s", "a successful probe closes the circuit."
    )


@pytest.mark.points(2)
async def test_failed_probe_reopens(kata):
    svc = service()
    cb = await open_circuit(kata, svc, fail_max=2, reset_after=10.0)  # opens at 2s
    await sleep_until(12.0)
    kind, value, _ = await outcome(cb.call(svc, "bad-probe"))
    if kind != "raised" or not isinstance(value, ConnectionError):
        expect.fail(
            f"the half-open probe breaker.call(fn, 'bad-probe'), where fn raises "
            f"ConnectionError, {describe(kind, value)}; expected fn's ConnectionError.",
            "the probe calls fn, and its error propagates to the probe's caller.",
        )
    check_state(
        cb,
        "open",
        "right after the half-open probe failed",
        "a failed probe opens the circuit again, from now: note the time it failed as "
        "the new opening time, so reset_after counts from there.",
    )
    spare = service("fn2")
    await sleep_until(22.75)
    check_state(
        cb,
        "open",
        "the probe failed at 13s, with reset_after=10",
        "a failed probe opens the circuit *again*: reset_after counts from the probe's "
        "failure, not from the first opening.",
    )
    await expect_rejected(kata, cb, spare, "the probe failed at 13s, with reset_after=10")
    await sleep_until(23.0)
    check_state(cb, "half-open", "reset_after=10 seconds after the failed probe")
    kind, value, _ = await outcome(cb.call(svc, "good"))
    expect.true(kind == "returned", f"the second probe {describe(kind, value)}; expected a value.")
    check_state(cb, "closed", "after the second probe succeeded")


@pytest.mark.points(1)
async def test_cancelled_probe_frees_the_slot(kata):
    svc = service()
    cb = await open_circuit(kata, svc, fail_max=2, reset_after=10.0)  # opens at 2s
    await sleep_until(12.0)
    probe = asyncio.create_task(cb.call(svc, "hang0"))
    await asyncio.sleep(0.5)
    await still_running(probe, "the half-open probe breaker.call(fn, 'hang0')")
    probe.cancel()
    try:
        await probe
    except asyncio.CancelledError:
        pass
    expect.cancelled(svc, ["hang0"], hint="cancelling the probe's caller cancels its fn call.")
    check_state(
        cb,
        "half-open",
        "after the half-open probe was cancelled",
        "a cancelled probe decides nothing: the circuit stays half-open (release the probe "
        "slot in a `finally`, which runs on cancellation too).",
    )
    kind, value, _ = await outcome(cb.call(svc, "good"))
    if kind != "returned":
        expect.fail(
            f"after the probe was cancelled, the next call {describe(kind, value)}; expected "
            "it to become the new probe and return fn's value.",
            "a cancelled probe must free the probe slot (`finally:`), or the circuit stays "
            "half-open and rejects everyone forever.",
        )
    check_state(cb, "closed", "after the new probe succeeded")


@pytest.mark.points(1)
async def test_cancelled_call_is_not_a_failure(kata):
    svc = service()
    cb = kata.CircuitBreaker(2, 10.0)
    await outcome(cb.call(svc, "bad0"))
    task = asyncio.create_task(cb.call(svc, "hang0"))
    await asyncio.sleep(0.5)
    await still_running(task, "breaker.call(fn, 'hang0') in the closed state")
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    check_state(
        cb,
        "closed",
        "with fail_max=2, after one failure and one cancelled call",
        "a cancelled call is not a failure of the service: catch `Exception` (which "
        "CancelledError is not) to count failures.",
    )
    await outcome(cb.call(svc, "bad1"))
    check_state(
        cb,
        "open",
        "with fail_max=2, after a failure, a cancelled call and a failure",
        "a cancelled call is neither a failure nor a success: it must not reset the count.",
    )
