import asyncio

import pytest

from graders import Recorder, cancelling, expect

RESERVE, COMMIT = 1.0, 2.0
ORDER = "book"

SHIELD = (
    "`return await asyncio.shield(db.commit(order))`: the caller's cancel then stops "
    "the caller at once, while the shielded commit runs on to its end."
)
RESERVE_UNSHIELDED = (
    "await db.reserve(order) plainly (not shielded, not in a task of its own): a cancel "
    "before the commit must stop everything; only the commit is shielded."
)


class FakeDB(Recorder):
    """``await db.reserve(order)`` takes RESERVE seconds; ``await db.commit(order)``
    takes COMMIT seconds and returns a transaction id ("tx-1", "tx-2"...)."""

    def __init__(self, *, reserve_error=None, commit_error=None):
        super().__init__("db")
        self.reserve_error = reserve_error
        self.commit_error = commit_error
        self.committed = []  # (order, id, virtual time)

    async def _op(self, name, order, delay, error):
        call = self._begin((name, order), f"db.{name}({order!r})")
        try:
            await asyncio.sleep(delay)
            if error is not None:
                raise error
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        except BaseException as exc:
            self._end(call, "raised", exc)
            raise
        self._end(call, "ok")

    async def reserve(self, order):
        await self._op("reserve", order, RESERVE, self.reserve_error)

    async def commit(self, order):
        await self._op("commit", order, COMMIT, self.commit_error)
        tx = f"tx-{len(self.committed) + 1}"
        self.committed.append((order, tx, asyncio.get_running_loop().time()))
        return tx

    def calls_of(self, name):
        return [c for c in self.calls if c.key[0] == name]

    def __repr__(self):
        return "<fake db>"


def fail_with_timeline(db, message, hint):
    expect.fail(expect.timeline(db) + "\n" + message, hint)


async def settle(until):
    """Let the virtual clock run to ``until`` (whatever the learner left running ends)."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, until - loop.time()))


@pytest.mark.points(2)
async def test_reserves_then_commits(kata):
    db = FakeDB()
    run = await expect.timed(kata.place_order(db, ORDER))
    expect.equal(
        run.result,
        "tx-1",
        call=f"place_order(db, {ORDER!r})",
        hint="return the id that `await db.commit(order)` returns.",
    )
    reserves, commits = db.calls_of("reserve"), db.calls_of("commit")
    expect.true(
        len(reserves) == 1 and len(commits) == 1,
        f"place_order called db.reserve {len(reserves)} time(s) and db.commit "
        f"{len(commits)} time(s); expected once each.",
    )
    if commits[0].start < reserves[0].end:
        fail_with_timeline(
            db,
            "db.commit started before db.reserve had finished; reserve first, then commit.",
            "`await db.reserve(order)`, then commit.",
        )
    expect.elapsed(
        run,
        RESERVE + COMMIT,
        what=f"place_order(db, {ORDER!r})",
        why="reserve 1s, then commit 2s",
        services=[db],
    )
    expect.nothing_left_running(db)


@pytest.mark.points(1)
async def test_errors_propagate(kata):
    sold_out = LookupError("sold out")
    db = FakeDB(reserve_error=sold_out)
    err = await expect.raises(
        LookupError,
        kata.place_order(db, ORDER),
        call="place_order(db, 'book') where db.reserve raises LookupError",
    )
    expect.true(err is sold_out, f"place_order raised {err!r}, not the error db.reserve raised.")
    expect.true(
        not db.calls_of("commit"),
        expect.timeline(db) + "\nthe reservation failed, yet place_order called db.commit.",
        hint="an error from reserve must propagate at once.",
    )
    expect.nothing_left_running(db)

    conflict = RuntimeError("write conflict")
    db = FakeDB(commit_error=conflict)
    err = await expect.raises(
        RuntimeError,
        kata.place_order(db, ORDER),
        call="place_order(db, 'book') where db.commit raises RuntimeError",
    )
    expect.true(err is conflict, f"place_order raised {err!r}, not the error db.commit raised.")
    expect.nothing_left_running(db)


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_cancel_before_commit_commits_nothing(kata):
    db = FakeDB()
    cancel_at = RESERVE / 2
    run = await cancelling.cancel_after(kata.place_order(db, ORDER), cancel_at)
    cancelling.expect_cancelled(
        run,
        call=f"place_order(db, {ORDER!r})",
        promptly=True,
        services=[db],
        hint=RESERVE_UNSHIELDED,
    )
    await settle(RESERVE + COMMIT + 1)
    if db.calls_of("commit"):
        fail_with_timeline(
            db,
            f"place_order was cancelled at {cancel_at:g}s, during db.reserve, yet db.commit "
            "ran afterwards: a cancel before the commit must commit nothing.",
            RESERVE_UNSHIELDED,
        )
    if db.calls_of("reserve")[0].outcome != "cancelled":
        fail_with_timeline(
            db,
            f"place_order was cancelled at {cancel_at:g}s, during db.reserve({ORDER!r}), but "
            "the reservation was not cancelled with it: it ran on in the background.",
            RESERVE_UNSHIELDED,
        )
    expect.nothing_left_running(db)


async def cancel_during_commit(kata, db):
    return await cancelling.cancel_after(kata.place_order(db, ORDER), RESERVE + COMMIT / 2)


@pytest.mark.points(2)
@pytest.mark.limits(virtual=60)
async def test_cancel_during_commit_cancels_the_caller_at_once(kata):
    db = FakeDB()
    run = await cancel_during_commit(kata, db)
    cancelling.expect_cancelled(
        run,
        call=f"place_order(db, {ORDER!r})",
        promptly=True,
        services=[db],
        hint="the caller asked to stop: let the CancelledError out at once (asyncio.shield "
        "does), without waiting for the commit and without swallowing it. " + SHIELD,
    )
    await settle(RESERVE + COMMIT + 1)


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_cancel_during_commit_still_commits(kata):
    db = FakeDB()
    run = await cancel_during_commit(kata, db)
    await settle(RESERVE + COMMIT + 1)
    commits = db.calls_of("commit")
    expect.true(
        len(commits) == 1,
        expect.timeline(db) + f"\ndb.commit was called {len(commits)} time(s); expected once.",
        hint=SHIELD,
    )
    if commits[0].outcome == "cancelled":
        fail_with_timeline(
            db,
            f"place_order was cancelled at {run.cancel_at:g}s, during db.commit({ORDER!r}), and "
            "the commit was cancelled with it: half a transaction, lost. Once started, the "
            "commit must finish.",
            "cancelling a task cancels what it awaits, even a task of its own: wrap the "
            "commit in asyncio.shield. " + SHIELD,
        )
    if not db.committed or abs(db.committed[0][2] - (RESERVE + COMMIT)) > expect.TOLERANCE:
        fail_with_timeline(
            db,
            f"place_order was cancelled at {run.cancel_at:g}s, during db.commit; the commit "
            f"should still have completed at {RESERVE + COMMIT:g}s"
            + (
                f", but it completed at {db.committed[0][2]:g}s."
                if db.committed
                else ", but it never did."
            ),
            SHIELD,
        )
    expect.nothing_left_running(
        db, hint="the shielded commit must end on its own; nothing else may be left running."
    )
