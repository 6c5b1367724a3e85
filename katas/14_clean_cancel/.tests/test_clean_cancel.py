import asyncio

import pytest

from graders import FakeService, Recorder, cancelling, expect

ACQUIRE, WORK, RELEASE = 0.5, 1.0, 0.25

HOW = (
    "`lease = await pool.acquire()`, then `try: return await work(lease)` / "
    "`finally: await pool.release(lease)`. A finally block runs on success, on error "
    "and on cancellation alike, exactly once."
)
FINALLY = "release in a `finally:` block right after the acquire: " + HOW
NOT_EXCEPTION = (
    "asyncio.CancelledError is not an Exception (it derives from BaseException): "
    "`except Exception:` never sees it, and code after the interrupted `await` (or "
    "after a `yield`) is skipped. Release in a `finally:` block instead: " + HOW
)


class Lease:
    def __init__(self, number):
        self.number = number

    def __repr__(self):
        return f"<lease {self.number}>"


class LeasePool(Recorder):
    """``await pool.acquire()`` waits ACQUIRE seconds and hands out a new Lease;
    ``await pool.release(lease)`` waits RELEASE seconds. A cancelled acquire hands out
    nothing (like asyncio.Lock.acquire). Every call is recorded for the checks."""

    def __init__(self):
        super().__init__("pool")
        self.leases = []

    async def acquire(self):
        call = self._begin("acquire", "pool.acquire()")
        try:
            await asyncio.sleep(ACQUIRE)
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        lease = Lease(len(self.leases) + 1)
        self.leases.append(lease)
        self._end(call, "ok")
        return lease

    async def release(self, lease):
        call = self._begin(("release", lease), f"pool.release({lease!r})")
        try:
            await asyncio.sleep(RELEASE)
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        self._end(call, "ok")

    @property
    def releases(self):
        return [c for c in self.calls if c.key != "acquire"]

    def releases_of(self, lease):
        return [c for c in self.releases if c.key[1] is lease]

    def __repr__(self):
        return "<fake pool>"


def make(error=None):
    pool = LeasePool()
    work = FakeService(
        "work",
        delays=WORK,
        values=lambda lease: f"report from {lease!r}",
        errors=(lambda lease: error) if error is not None else None,
    )
    return pool, work


def expect_no_stray_releases(pool, work, *, story, hint=FINALLY):
    for call in pool.releases:
        if not any(call.key[1] is lease for lease in pool.leases):
            fail_with_timeline(
                pool,
                work,
                f"{story}, your code called pool.release({call.key[1]!r}), but that is not "
                f"a lease the pool handed out"
                + (
                    " (the acquire was cancelled, so there was no lease to release)"
                    if not pool.leases
                    else ""
                )
                + ".",
                hint,
            )


def expect_released_once(pool, work, *, story, hint=FINALLY):
    """One lease was handed out, and it was released exactly once, completely."""
    expect_no_stray_releases(pool, work, story=story, hint=hint)
    expect.true(
        len(pool.leases) == 1,
        f"{story}, the pool had handed out {len(pool.leases)} leases; hold_lease "
        "acquires exactly one.",
        hint=hint,
    )
    lease = pool.leases[0]
    releases = pool.releases_of(lease)
    if not releases:
        fail_with_timeline(
            pool,
            work,
            f"{story}, hold_lease ended without having released {lease!r}: the lease "
            "leaked, and a pool that leaks leases soon has none left to give.",
            hint,
        )
    if len(releases) > 1:
        fail_with_timeline(
            pool,
            work,
            f"{story}, {lease!r} was released {len(releases)} times; it must be released "
            "exactly once (a second release could free a lease someone else holds by then).",
            hint,
        )
    if releases[0].outcome != "ok":
        state = (
            "is still in flight"
            if releases[0].outcome == "running"
            else f"was {releases[0].outcome}"
        )
        fail_with_timeline(
            pool,
            work,
            f"{story}, pool.release({lease!r}) started but {state} when hold_lease ended: "
            "await the release to its end before hold_lease returns or raises.",
            "`await pool.release(lease)`, not asyncio.create_task(pool.release(lease)).",
        )


def fail_with_timeline(pool, work, message, hint):
    expect.fail(expect.timeline(pool, work) + "\n" + message, hint)


def expect_work_got_the_lease(pool, work):
    lease = pool.leases[0] if pool.leases else None
    expect.true(
        work.call_count == 1 and work.calls[0].key is lease,
        f"work was called {work.call_count} time(s)"
        + (f" with {work.calls[0].key!r}" if work.calls else "")
        + f"; expected one call, work({lease!r}), with the lease pool.acquire() returned.",
        hint="`lease = await pool.acquire()`, then `await work(lease)`.",
    )


@pytest.mark.points(2)
async def test_success_returns_the_result_and_releases_once(kata):
    pool, work = make()
    run = await expect.timed(kata.hold_lease(pool, work))
    expect_work_got_the_lease(pool, work)
    expect.equal(
        run.result,
        "report from <lease 1>",
        call="hold_lease(pool, work)",
        hint="return what `await work(lease)` returned.",
    )
    expect_released_once(pool, work, story="after work(lease) succeeded")
    expect.true(
        pool.releases[0].start >= work.calls[0].end,
        expect.timeline(pool, work) + "\nthe lease was released while work(lease) was still "
        "using it; release it only after work has finished.",
    )
    expect.elapsed(
        run,
        ACQUIRE + WORK + RELEASE,
        what="hold_lease(pool, work)",
        why="acquire 0.5s, work 1s, then release 0.25s, awaited before returning",
        services=[pool, work],
        hint="await pool.release(lease) before returning the result.",
    )
    expect.nothing_left_running(pool, work)


@pytest.mark.points(2)
async def test_error_is_reraised_and_lease_released_once(kata):
    boom = ValueError("work failed")
    pool, work = make(error=boom)
    run = await expect.timed(
        expect.raises(
            ValueError,
            kata.hold_lease(pool, work),
            call="hold_lease(pool, work) where work(lease) raises ValueError",
            hint="let work's error propagate to the caller after the release: "
            "a `finally:` block re-raises it by itself.",
        )
    )
    expect.true(
        run.result is boom,
        f"hold_lease raised {run.result!r}, a different ValueError "
        "from the one work(lease) raised; re-raise the original error.",
        hint="a bare `raise` (or a `finally:` block) re-raises the original error.",
    )
    expect_work_got_the_lease(pool, work)
    expect_released_once(pool, work, story="after work(lease) raised ValueError")
    expect.elapsed(
        run,
        ACQUIRE + WORK + RELEASE,
        what="hold_lease(pool, work) to raise",
        why="acquire, work until it fails, then release, awaited before raising",
        services=[pool, work],
        hint="await pool.release(lease) before the error propagates.",
    )
    expect.nothing_left_running(pool, work)


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_cancelled_during_work_releases_once(kata):
    pool, work = make()
    cancel_at = ACQUIRE + WORK / 2
    run = await cancelling.cancel_after(kata.hold_lease(pool, work), cancel_at)
    cancelling.expect_cancelled(run, call="hold_lease(pool, work)", services=[pool, work])
    expect_work_got_the_lease(pool, work)
    expect.cancelled(
        work,
        pool.leases,
        hint="cancelling hold_lease cancels the work it awaits; "
        "do not run work in a task of its own or shield it.",
    )
    expect_released_once(
        pool, work, story=f"after hold_lease was cancelled at {cancel_at:g}s", hint=NOT_EXCEPTION
    )
    expect.elapsed(
        run.late_by,
        RELEASE,
        what="hold_lease to end after it was cancelled",
        why="the time to await pool.release(lease); then the CancelledError goes on",
        services=[pool, work],
        hint="await the release inside the `finally:` block, then let the "
        "CancelledError propagate.",
    )
    expect.nothing_left_running(pool, work)


@pytest.mark.points(2)
@pytest.mark.limits(virtual=60)
async def test_cancelled_while_acquiring_releases_nothing(kata):
    pool, work = make()
    run = await cancelling.cancel_after(kata.hold_lease(pool, work), ACQUIRE / 2)
    no_lease = (
        "acquire the lease *before* entering the `try:` block, so the `finally:` "
        "only runs once there is a lease to release."
    )
    cancelling.expect_cancelled(
        run, call="hold_lease(pool, work)", services=[pool, work], hint=no_lease
    )
    if pool.calls[0].outcome != "cancelled":
        fail_with_timeline(
            pool,
            work,
            f"hold_lease was cancelled at {run.cancel_at:g}s, during pool.acquire(), but the "
            "acquire was not cancelled with it.",
            "let the cancel interrupt pool.acquire(): do not shield it or run it in a task "
            "of its own.",
        )
    expect_no_stray_releases(
        pool, work, story="after hold_lease was cancelled during pool.acquire()", hint=no_lease
    )
    expect.true(
        work.call_count == 0,
        f"work was called {work.call_count} time(s) although "
        "there was no lease: the acquire had been cancelled.",
        hint=no_lease,
    )
    expect.elapsed(
        run.late_by,
        0.0,
        what="hold_lease to end after it was cancelled",
        why="there is nothing to release, so the CancelledError goes on at once",
        services=[pool, work],
        hint=no_lease,
    )
    expect.nothing_left_running(pool, work)
