import asyncio
from dataclasses import dataclass

import pytest

from graders import Recorder, expect

SHARED = (
    "readers only need to wait while a writer is inside (or waiting): count the readers "
    "inside instead of letting one reader lock everyone else out."
)
EXCLUSIVE = (
    "a writer may enter only when nobody is inside, and nobody may enter while it writes: "
    "readers wait while a writer is inside, a writer waits until the reader count is 0."
)
PREFER_WRITER = (
    "count the writers that are waiting, and make a new reader wait while that count is "
    "above 0; otherwise a stream of readers can keep a writer out forever."
)
WAKE_UP = (
    "someone who may go in was left waiting: whenever the state changes (a reader or a "
    "writer leaves, a waiting writer gives up), wake every waiter so each re-checks whether "
    "it may go in (Condition.notify_all())."
)
WAKE_ALL = (
    "when a write ends, wake every waiting reader (Condition.notify_all(), not notify()): "
    "they may all read together."
)
NO_POLL = (
    "do not check in a loop with `await asyncio.sleep(...)`; sleep on something that wakes "
    "you when the state changes: `await condition.wait_for(predicate)`, and `notify_all()` "
    "whenever you change the counts."
)


@dataclass
class Actor:
    kind: str  # "read" | "write"
    name: str
    at: float  # when it arrives
    hold: float  # how long it stays inside
    cancel_at: float | None = None  # the test cancels it then (while it waits)
    entered: float | None = None
    left: float | None = None
    cancelled: bool = False


class Room(Recorder):
    """The data the lock protects: every read and write is a span; a write that overlaps
    anything else is noted. Times count from the room's creation (the scenario's start)."""

    def __init__(self):
        super().__init__("room")
        self.origin = asyncio.get_running_loop().time()
        self.inside: dict[str, str] = {}  # name -> kind
        self.clash: str | None = None
        self.max_readers = 0

    def now(self) -> float:
        return asyncio.get_running_loop().time() - self.origin

    def spans(self, now=None):
        return super().spans(self.now() if now is None else now - self.origin)

    def enter(self, actor: Actor):
        now = self.now()
        if self.clash is None:
            writers = [n for n, k in self.inside.items() if k == "write"]
            others = list(self.inside)
            if actor.kind == "write" and others:
                self.clash = (
                    f"{actor.name} started writing at {now:g}s while "
                    f"{', '.join(others)} {'was' if len(others) == 1 else 'were'} still inside"
                )
            elif actor.kind == "read" and writers:
                self.clash = (
                    f"{actor.name} started reading at {now:g}s while {writers[0]} was writing"
                )
        self.inside[actor.name] = actor.kind
        self.max_readers = max(self.max_readers, sum(k == "read" for k in self.inside.values()))
        call = self._begin(actor.name, f"{actor.kind} {actor.name}")
        call.start = now
        return call

    def leave(self, actor: Actor, call, outcome: str = "ok"):
        del self.inside[actor.name]
        self._end(call, outcome)
        call.end = self.now()


async def play(lock, actors: list[Actor]) -> Room:
    """Run the actors against ``lock``: each arrives at ``at``, takes the lock (read or
    write), stays ``hold`` seconds inside and leaves."""
    room = Room()

    async def visit(actor: Actor):
        await asyncio.sleep(actor.at)
        manager = lock.read() if actor.kind == "read" else lock.write()
        async with manager:
            actor.entered = room.now()
            call = room.enter(actor)
            try:
                await asyncio.sleep(actor.hold)
            except asyncio.CancelledError:
                room.leave(actor, call, "cancelled")
                raise
            room.leave(actor, call)
        actor.left = room.now()

    async def cancel_later(task: asyncio.Task, actor: Actor):
        await asyncio.sleep(actor.cancel_at)
        actor.cancelled = task.cancel()

    tasks = [asyncio.create_task(visit(a), name=a.name) for a in actors]
    cancellers = [
        asyncio.create_task(cancel_later(t, a))
        for t, a in zip(tasks, actors, strict=True)
        if a.cancel_at is not None
    ]
    # Even one task at a time, everyone is done by then: whoever still waits never gets in.
    horizon = max(a.at for a in actors) + sum(a.hold for a in actors) + 1
    _, pending = await asyncio.wait([*tasks, *cancellers], timeout=horizon)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if task in pending or task.cancelled():
            continue
        if task.exception() is not None:
            raise task.exception()
    return room


def expect_no_clash(room: Room):
    if room.clash:
        expect.fail(
            expect.timeline(room)
            + f"\n{room.clash}. A writer must be alone: no reader and no other writer may be "
            "inside at the same time.",
            EXCLUSIVE,
        )


def expect_entries(
    room: Room,
    actors: list[Actor],
    expected: dict[str, float],
    *,
    story: str,
    hint: str,
    late_hint: str = WAKE_UP,
):
    """Each actor must get in exactly when ``expected`` says (virtual time is exact).

    ``hint`` is for someone who got in too early, ``late_hint`` for someone kept waiting."""
    wrong = [
        a
        for a in actors
        if a.name in expected and (a.entered is None or abs(a.entered - expected[a.name]) > 1e-6)
    ]
    if not wrong:
        return
    rows = ["  who  arrives  holds  got in         expected"]
    for a in actors:
        got = "never" if a.entered is None else f"{a.entered:g}s"
        if a.cancel_at is not None and a.entered is None:
            got = f"gave up at {a.cancel_at:g}s"
        want = f"{expected[a.name]:g}s" if a.name in expected else "-"
        mark = "   <-" if a in wrong else ""
        rows.append(f"  {a.name:<4} {a.at:<8g} {a.hold:<6g} {got:<14} {want}{mark}")
    early = any(a.entered is not None and a.entered < expected[a.name] for a in wrong)
    expect.fail(
        expect.timeline(room) + "\n" + "\n".join(rows) + "\n" + story, hint if early else late_hint
    )


@pytest.mark.points(2)
async def test_readers_overlap(kata):
    lock = kata.RWLock()
    actors = [Actor("read", f"r{i}", 0, 1) for i in range(1, 6)]
    run = await expect.timed(play(lock, actors))
    expect_no_clash(run.result)
    expect.elapsed(
        run,
        1.0,
        what="five 1 s reads arriving together",
        why="they read side by side",
        services=[run.result],
        hint=SHARED,
    )
    expect.true(
        run.result.max_readers == 5,
        f"at most {run.result.max_readers} readers were inside at once; all 5 should be.",
        hint=SHARED,
    )

    actors = [Actor("read", "r1", 0, 2), Actor("read", "r2", 0.5, 2), Actor("read", "r3", 1, 2)]
    room = await play(lock, actors)
    expect_entries(
        room,
        actors,
        {"r1": 0, "r2": 0.5, "r3": 1},
        story="a reader arriving while only readers are inside must get in at once.",
        hint=SHARED,
        late_hint=SHARED,
    )


@pytest.mark.points(1)
async def test_writers_take_turns(kata):
    lock = kata.RWLock()
    actors = [Actor("write", f"w{i}", 0, 1) for i in range(1, 4)]
    run = await expect.timed(play(lock, actors))
    expect_no_clash(run.result)
    expect.elapsed(
        run,
        3.0,
        what="three 1 s writes arriving together",
        why="one after another",
        services=[run.result],
        hint=EXCLUSIVE,
    )


@pytest.mark.points(2)
async def test_no_reader_during_a_write(kata):
    lock = kata.RWLock()
    actors = [Actor("write", "w1", 0, 2), Actor("read", "r1", 0.5, 1), Actor("read", "r2", 1, 1)]
    room = await play(lock, actors)
    expect_no_clash(room)
    expect_entries(
        room,
        actors,
        {"w1": 0, "r1": 2, "r2": 2},
        story="readers arriving during a write wait for it to end, then read together.",
        hint=EXCLUSIVE,
    )

    actors = [Actor("read", "r1", 0, 2), Actor("read", "r2", 0, 1), Actor("write", "w1", 0.5, 1)]
    room = await play(lock, actors)
    expect_no_clash(room)
    expect_entries(
        room,
        actors,
        {"r1": 0, "r2": 0, "w1": 2},
        story="a writer waits until the last reader has left (r1, at 2s).",
        hint=EXCLUSIVE,
    )


@pytest.mark.points(3)
async def test_waiting_writer_goes_before_later_readers(kata):
    lock = kata.RWLock()
    actors = [Actor("read", "r1", 0, 2), Actor("write", "w1", 0.5, 1), Actor("read", "r2", 1, 2)]
    room = await play(lock, actors)
    expect_no_clash(room)
    expect_entries(
        room,
        actors,
        {"r1": 0, "w1": 2, "r2": 3},
        story="w1 arrived at 0.5s and waits for r1. r2 arrives after w1, so it must wait "
        "behind w1 even though only readers are inside: otherwise new readers could keep "
        "the writer out forever (writer starvation).",
        hint=PREFER_WRITER,
    )


@pytest.mark.points(1)
async def test_readers_after_a_write_go_together(kata):
    lock = kata.RWLock()
    actors = [
        Actor("read", "r1", 0, 2),
        Actor("write", "w1", 0.5, 1),
        Actor("read", "r2", 1, 1),
        Actor("read", "r3", 1.2, 1),
        Actor("read", "r4", 1.4, 1),
    ]
    room = await play(lock, actors)
    expect_no_clash(room)
    expect_entries(
        room,
        actors,
        {"r1": 0, "w1": 2, "r2": 3, "r3": 3, "r4": 3},
        story="r2, r3 and r4 wait behind w1; when w1 leaves at 3s all three may read at once.",
        hint=PREFER_WRITER,
        late_hint=WAKE_ALL,
    )


@pytest.mark.points(2)
async def test_no_busy_waiting(kata):
    lock = kata.RWLock()
    actors = [Actor("read", "r1", 0, 100), Actor("write", "w1", 1, 1)]
    actors += [Actor("read", f"r{i}", i, 1) for i in range(2, 7)]
    loop = asyncio.get_running_loop()
    steps = loop.stats.steps
    room = await play(lock, actors)
    woke = loop.stats.steps - steps
    expect_no_clash(room)
    stuck = [a.name for a in actors if a.entered is None]
    expect.true(not stuck, f"{', '.join(stuck)} never got in.", hint=WAKE_UP)
    expect.true(
        woke <= 150,
        f"while a writer and five readers waited for 100 s, the event loop ran {woke} steps "
        "(a correct lock needs well under 150): your code keeps waking up to check whether "
        "it may go in. That is polling, and it burns CPU while nothing changes.",
        hint=NO_POLL,
    )


class Boom(Exception):
    pass


async def _enter_within(manager, what: str, hint: str):
    """Enter ``manager`` (it must be free at once) and leave it."""
    try:
        async with asyncio.timeout(1):
            async with manager:
                pass
    except TimeoutError:
        expect.fail(f"{what} was still waiting after 1 s: the lock was never released.", hint)


@pytest.mark.points(1)
async def test_lock_released_when_body_raises(kata):
    lock = kata.RWLock()
    hint = (
        "release in a `finally:` (around the `yield` of an @asynccontextmanager, or in "
        "__aexit__), so an error inside `async with` still releases the lock."
    )
    for first, then in (("write", "read"), ("read", "write"), ("write", "write")):
        caught = None
        try:
            async with getattr(lock, first)():
                raise Boom("inside")
        except Boom as exc:
            caught = exc
        expect.true(
            caught is not None,
            f"an error raised inside `async with lock.{first}():` did not come out of "
            "it: the lock must not swallow errors.",
            hint="let the exception propagate: do not catch it (or return True from __aexit__).",
        )
        await _enter_within(
            getattr(lock, then)(),
            f"after an error inside `async with lock.{first}():`, lock.{then}()",
            hint,
        )


@pytest.mark.points(1)
async def test_cancelled_waiting_writer_steps_aside(kata):
    lock = kata.RWLock()
    actors = [
        Actor("read", "r1", 0, 10),
        Actor("write", "w1", 1, 1, cancel_at=2),
        Actor("read", "r2", 1.5, 1),
        Actor("read", "r3", 3, 1),
        Actor("write", "w2", 4, 1),
    ]
    room = await play(lock, actors)
    expect_no_clash(room)
    expect_entries(
        room,
        actors,
        {"r1": 0, "r2": 2, "r3": 3, "w2": 10},
        story="w1 waits for r1 and holds r2 back, but is cancelled at 2s: from then on it is "
        "not waiting any more, so r2 goes in at once, r3 too, and w2 still gets in when the "
        "readers have left.",
        hint=PREFER_WRITER,
        late_hint="when a waiting writer is cancelled, undo its 'waiting' count (try/finally) "
        "and wake the waiters (notify_all), since readers it held back may now go.",
    )
