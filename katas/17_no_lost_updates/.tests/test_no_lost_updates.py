import asyncio
import contextvars
import random
from collections import defaultdict

import pytest

from graders import Recorder, expect

#: Which transfer of the test is running: set by the test in each transfer's task, read by
#: the store, so every read and write is attributed to its transfer (tasks the learner
#: starts inside `transfer` inherit it).
TRANSFER = contextvars.ContextVar("transfer", default=None)

LOCK_EACH_ACCOUNT = (
    "hold each account for the whole transfer, from the read to the write: one "
    "asyncio.Lock per account (a dict of locks), taken before the first read and released "
    "after the last write."
)
LOCK_ORDER = (
    "take the two locks in one global order, whatever the direction of the transfer: "
    "`first, second = sorted((src, dst))`, then `async with locks[first], locks[second]:`."
)


class FakeStore(Recorder):
    """Account balances behind `await read(acct)` and `await write(acct, value)`.

    Every operation on an account takes that account's delay (virtual seconds). A read
    returns the balance as it was when the read started; a write takes effect when it
    ends. The store notes, per account, when operations of two different transfers
    interleave: a transfer coming back to an account another transfer touched since,
    or starting while another transfer's operation on it is still in flight.
    """

    def __init__(self, balances, delays=None, default_delay=1.0):
        super().__init__("store")
        self.balances = dict(balances)
        self.delays = dict(delays or {})
        self.default_delay = default_delay
        self.names = {}  # transfer id -> "transfer('a', 'b', 10)"
        self.tags = {}  # transfer id -> "a->b", to label its calls on the timeline
        self.busy = defaultdict(list)  # account -> [(transfer, call, 'read(acct)')] in flight
        self.last = {}  # account -> transfer that touched it last
        self.touched = defaultdict(set)  # transfer -> accounts it touched
        self.interleavings = []
        self.negative_writes = []
        self.writes = 0

    def describe(self, transfer):
        return self.names.get(transfer, "code outside any transfer")

    def _enter(self, acct, op):
        me = TRANSFER.get()
        tag = f"{self.tags[me]} " if me in self.tags else ""
        what = f"{op}({acct!r})"
        call = self._begin(acct, tag + what)
        for other, _, other_what in self.busy[acct]:
            if other != me:
                self.interleavings.append(
                    f"{self.describe(me)} started {what} at {call.start:g}s while "
                    f"{self.describe(other)}'s {other_what} was still in flight"
                )
                break
        else:
            last = self.last.get(acct)
            if acct in self.touched[me] and last != me:
                self.interleavings.append(
                    f"{self.describe(me)} came back to {acct!r} ({what} at {call.start:g}s) "
                    f"after {self.describe(last)} had used {acct!r} in between"
                )
        entry = (me, call, what)
        self.busy[acct].append(entry)
        self.touched[me].add(acct)
        self.last[acct] = me
        return entry

    def _leave(self, acct, entry, outcome, error=None):
        self.busy[acct].remove(entry)
        self._end(entry[1], outcome, error)

    async def _op(self, acct, op, apply):
        entry = self._enter(acct, op)
        try:
            if acct not in self.balances:
                raise KeyError(acct)
            snapshot = self.balances[acct]
            await asyncio.sleep(self.delays.get(acct, self.default_delay))
            result = apply(snapshot)
        except asyncio.CancelledError as exc:
            self._leave(acct, entry, "cancelled", exc)
            raise
        except BaseException as exc:
            self._leave(acct, entry, "raised", exc)
            raise
        self._leave(acct, entry, "ok")
        return result

    async def read(self, acct):
        return await self._op(acct, "read", lambda snapshot: snapshot)

    async def write(self, acct, value):
        def apply(_):
            self.writes += 1
            if value < 0:
                self.negative_writes.append((acct, value))
            self.balances[acct] = value

        await self._op(acct, "write", apply)

    @property
    def total(self):
        return sum(self.balances.values())


def show(transfer):
    src, dst, amount = transfer
    return f"transfer({src!r}, {dst!r}, {amount})"


DEADLOCK = (
    "This is a deadlock: two transfers each hold one account's lock and wait forever for "
    "the other's (a->b locks a then waits for b, while b->a locks b then waits for a)."
)


async def run_transfers(bank, store, transfers, *, within=600.0, story=DEADLOCK, hint=LOCK_ORDER):
    """Run every transfer concurrently, each in its own task; return their outcomes
    (None or the exception raised). Fail with a deadlock story if some never end."""

    async def one(i, transfer):
        TRANSFER.set(i)
        return await bank.transfer(*transfer)

    store.names.update({i: show(t) for i, t in enumerate(transfers)})
    store.tags.update({i: f"{src}->{dst}" for i, (src, dst, _) in enumerate(transfers)})
    tasks = [asyncio.create_task(one(i, t)) for i, t in enumerate(transfers)]
    _, pending = await asyncio.wait(tasks, timeout=within)
    if pending:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)
        stuck = [show(t) for t, task in zip(transfers, tasks, strict=True) if task in pending]
        listed = "\n".join(f"  - {s}" for s in stuck[:6])
        more = f"\n  - ... and {len(stuck) - 6} more" if len(stuck) > 6 else ""
        expect.fail(
            f"{len(stuck)} transfer(s) never finished: they were still waiting after "
            f"{within:g}s, when all of them should have ended long before:\n{listed}{more}\n"
            + story,
            hint=hint,
        )
    outcomes = [task.exception() for task in tasks]
    for error in outcomes:
        if isinstance(error, NotImplementedError):
            raise error
    return outcomes


def expect_no_unexpected_errors(transfers, outcomes):
    for transfer, outcome in zip(transfers, outcomes, strict=True):
        if outcome is not None and not isinstance(outcome, ValueError):
            expect.fail(
                f"{show(transfer)} raised {type(outcome).__name__}: {outcome}\n"
                "expected it to succeed, or to raise ValueError for insufficient funds.",
            )


def expect_balances(store, expected, *, what, hint=LOCK_EACH_ACCOUNT):
    if store.balances == expected:
        return
    total, want = store.total, sum(expected.values())
    if total != want:
        story = (
            f"after {what}, the accounts hold {total} in all instead of {want}: money was "
            f"{'created' if total > want else 'lost'}."
        )
    else:
        wrong = ", ".join(
            f"{acct!r} has {store.balances[acct]} instead of {expected[acct]}"
            for acct in expected
            if store.balances[acct] != expected[acct]
        )
        story = (
            f"after {what}, {wrong}: the balances do not add up to the transfers that succeeded."
        )
    expect.fail(
        story + "\nAn update was lost: two transfers read the same balance while both were "
        "running, and the second write erased the first.",
        hint=hint,
    )


def expect_no_interleaving(store, *, what, draw=True):
    if store.interleavings:
        listed = "\n".join(f"  - {line}" for line in store.interleavings[:4])
        expect.fail(
            (expect.timeline(store) + "\n" if draw else "")
            + f"during {what}, transfers sharing an account did not take turns:\n{listed}\n"
            "Between a transfer's read of an account and its write, no other transfer may "
            "touch that account, or one of the two updates is lost.",
            hint=LOCK_EACH_ACCOUNT,
        )


def expect_no_negative_writes(store):
    if store.negative_writes:
        acct, value = store.negative_writes[0]
        expect.fail(
            f"a balance went negative: {acct!r} was written as {value}.\nThe funds check "
            "passed on a balance that another transfer was already spending.",
            hint="read the balance and check it while holding the account's lock, then write "
            "before releasing it: a check made before taking the lock can be stale.",
        )


@pytest.mark.points(1)
async def test_a_transfer_moves_the_money(kata):
    store = FakeStore({"a": 100, "b": 20})
    bank = kata.Bank(store)
    outcomes = await run_transfers(bank, store, [("a", "b", 30)])
    expect_no_unexpected_errors([("a", "b", 30)], outcomes)
    expect.equal(
        store.balances,
        {"a": 70, "b": 50},
        call="transfer('a', 'b', 30) with a=100, b=20, then the balances,",
    )
    outcomes = await run_transfers(bank, store, [("b", "a", 50)])
    expect_no_unexpected_errors([("b", "a", 50)], outcomes)
    expect.equal(
        store.balances,
        {"a": 120, "b": 0},
        call="transfer('b', 'a', 50) with b=50 (the whole balance), then the balances,",
        hint="a transfer of exactly the whole balance is allowed: it leaves 0.",
    )


@pytest.mark.points(1)
async def test_insufficient_funds_raise_and_change_nothing(kata):
    store = FakeStore({"a": 50, "b": 0})
    bank = kata.Bank(store)
    await expect.raises(
        ValueError,
        bank.transfer("a", "b", 80),
        call="transfer('a', 'b', 80) with a=50",
        hint="read the source balance; if it is less than `amount`, raise ValueError.",
    )
    expect.equal(store.balances, {"a": 50, "b": 0}, call="the balances after the refused transfer,")
    expect.true(
        store.writes == 0,
        f"the refused transfer wrote to the store {store.writes} time(s); a refused transfer "
        "must change nothing.",
        hint="check the balance before the first write, and raise before writing anything.",
    )


@pytest.mark.points(1)
async def test_invalid_transfers_are_refused(kata):
    for transfer, why in (
        (("a", "b", 0), "an amount of 0"),
        (("a", "b", -10), "a negative amount (it would take money from 'b')"),
        (("a", "a", 10), "a transfer from an account to itself"),
    ):
        store = FakeStore({"a": 100, "b": 100})
        bank = kata.Bank(store)
        [outcome] = await run_transfers(
            bank,
            store,
            [transfer],
            within=60,
            story="An asyncio.Lock is not reentrant: a task that holds it and asks for it "
            "again waits for itself, forever.",
            hint="refuse `src == dst` with ValueError before taking any lock.",
        )
        expect.true(
            isinstance(outcome, ValueError),
            f"{show(transfer)} ({why}) "
            + ("succeeded" if outcome is None else f"raised {type(outcome).__name__}: {outcome}")
            + "; expected ValueError.",
            hint="before touching the store: `if amount <= 0` or `if src == dst`, raise ValueError.",
        )
        expect.equal(
            store.balances, {"a": 100, "b": 100}, call=f"the balances after {show(transfer)},"
        )
        expect.true(
            store.writes == 0, f"{show(transfer)} wrote to the store; it must change nothing."
        )


@pytest.mark.points(2)
async def test_concurrent_overdraft_is_refused(kata):
    transfers = [("a", "b", 70), ("a", "c", 70)]
    store = FakeStore({"a": 100, "b": 0, "c": 0})
    bank = kata.Bank(store)
    outcomes = await run_transfers(bank, store, transfers)
    expect_no_unexpected_errors(transfers, outcomes)
    expect_no_negative_writes(store)
    refused = [t for t, o in zip(transfers, outcomes, strict=True) if o is not None]
    expect.true(
        len(refused) == 1,
        expect.timeline(store)
        + f"\nwith a=100, transfer('a', 'b', 70) and transfer('a', 'c', 70) ran at the same "
        f"time and {2 - len(refused)} of them succeeded; exactly one can: the other must "
        "raise ValueError. Both checked the balance before either had written.",
        hint=LOCK_EACH_ACCOUNT,
    )
    done = transfers[0] if refused[0] == transfers[1] else transfers[1]
    expected = {"a": 30, "b": 0, "c": 0, done[1]: 70}
    expect_balances(store, expected, what="the two transfers")


@pytest.mark.points(2)
async def test_opposite_transfers_do_not_deadlock(kata):
    transfers = [("a", "b", 10), ("b", "a", 25)]
    store = FakeStore({"a": 100, "b": 100})
    outcomes = await run_transfers(kata.Bank(store), store, transfers, within=60)
    expect_no_unexpected_errors(transfers, outcomes)
    expect_balances(
        store, {"a": 115, "b": 85}, what="transfer('a', 'b', 10) and transfer('b', 'a', 25)"
    )

    # a and b are busy (a->c, b->d) when a->b and b->a arrive: each of those then gets
    # the first lock it asks for the moment it is freed.
    transfers = [("a", "c", 10), ("b", "d", 10), ("a", "b", 10), ("b", "a", 25)]
    store = FakeStore({"a": 100, "b": 100, "c": 0, "d": 0})
    outcomes = await run_transfers(kata.Bank(store), store, transfers, within=60)
    expect_no_unexpected_errors(transfers, outcomes)
    expect_balances(
        store, {"a": 105, "b": 75, "c": 10, "d": 10}, what=", ".join(show(t) for t in transfers)
    )


@pytest.mark.points(2)
async def test_disjoint_transfers_overlap(kata):
    delays = {"a": 1.0, "b": 1.0, "c": 2.0, "d": 2.0, "e": 1.5, "f": 0.5}
    balances = {acct: 100 for acct in delays}
    transfers = [("a", "b", 10), ("c", "d", 20), ("e", "f", 30)]
    store = FakeStore(balances, delays)
    run = await expect.timed(run_transfers(kata.Bank(store), store, transfers))
    expect_no_unexpected_errors(transfers, run.result)
    expect_balances(
        store, {"a": 90, "b": 110, "c": 80, "d": 120, "e": 70, "f": 130}, what="three transfers"
    )
    alone = []
    for transfer in transfers:
        single = FakeStore(balances, delays)
        timing = await expect.timed(run_transfers(kata.Bank(single), single, [transfer]))
        expect_no_unexpected_errors([transfer], timing.result)
        alone.append(timing.elapsed)
    each = ", ".join(f"{show(t)} {d:g}s" for t, d in zip(transfers, alone, strict=True))
    expect.elapsed(
        run,
        max(alone),
        what="three transfers between six different accounts, run at the same time",
        why=f"the slowest alone: they share no account, so nothing stops them overlapping "
        f"(alone: {each})",
        services=[store],
        hint="lock the two accounts a transfer uses, not the whole bank: one lock per "
        "account, so transfers on other accounts go on at the same time.",
    )


@pytest.mark.points(2)
async def test_transfers_sharing_an_account_take_turns(kata):
    transfers = [("a", "b", 10), ("b", "c", 20), ("c", "a", 30), ("b", "a", 5)]
    store = FakeStore({"a": 100, "b": 100, "c": 100})
    outcomes = await run_transfers(kata.Bank(store), store, transfers)
    expect_no_unexpected_errors(transfers, outcomes)
    what = ", ".join(show(t) for t in transfers) + " at the same time"
    expect_no_interleaving(store, what=what)
    expect_balances(store, {"a": 125, "b": 85, "c": 90}, what=what)


@pytest.mark.points(3)
async def test_many_random_transfers_conserve_money(kata):
    rng = random.Random(17)
    accounts = ["a", "b", "c", "d", "e", "f"]
    transfers = []
    for _ in range(200):
        src, dst = rng.sample(accounts, 2)
        transfers.append((src, dst, rng.randint(1, 80)))
    start = {acct: 100 for acct in accounts}
    store = FakeStore(start, {acct: 0.1 for acct in accounts})
    outcomes = await run_transfers(kata.Bank(store), store, transfers, within=3000)
    expect_no_unexpected_errors(transfers, outcomes)
    expect_no_negative_writes(store)
    expected = dict(start)
    for (src, dst, amount), outcome in zip(transfers, outcomes, strict=True):
        if outcome is None:
            expected[src] -= amount
            expected[dst] += amount
    what = "200 random transfers between 6 accounts, all at the same time"
    expect_balances(store, expected, what=what)
    expect_no_interleaving(store, what=what, draw=False)
