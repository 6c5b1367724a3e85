import ast
import asyncio
import random

import pytest

from graders import expect

CONDITION = (
    "let a blocked put() or get() sleep on an asyncio.Condition (`await cond.wait()`), "
    "and wake it from the other side with `cond.notify()` after changing the buffer."
)
WHILE_NOT_IF = (
    "re-check after every wake-up, in a loop: `while len(items) >= capacity: await "
    "not_full.wait()`. Between the notify and the moment the woken put() runs, another "
    "put() may already have taken the room."
)
WRONG_KIND = (
    "with one Condition for both sides, notify() may wake a task of the same kind (a "
    "get() woken by a get()), and the wake-up that was needed is lost. Use two Conditions "
    "sharing one Lock (not_full, not_empty), or notify_all()."
)


def now():
    return asyncio.get_running_loop().time()


async def at(t):
    """Sleep until virtual time t."""
    await asyncio.sleep(max(0.0, t - now()))


class Monitor:
    """Wraps the learner's buffer: counts puts and gets and checks, each time a put
    returns, that the buffer cannot be holding more than `capacity` items.

    A put that returned put its item in; a get that started may already have taken one.
    So `puts returned - gets started <= capacity` holds for every correct buffer."""

    def __init__(self, buffer, capacity):
        self.buffer = buffer
        self.capacity = capacity
        self.puts_done = 0
        self.gets_started = 0
        self.got = []  # (time, item) in the order gets returned
        self.overflow = None

    async def put(self, item):
        await self.buffer.put(item)
        self.puts_done += 1
        held = self.puts_done - self.gets_started
        if held > self.capacity and self.overflow is None:
            self.overflow = (
                f"when put({item!r}) returned at {now():g}s, {self.puts_done} puts had "
                f"returned and only {self.gets_started} gets had been called: the buffer "
                f"held at least {held} items, more than its capacity of {self.capacity}."
            )

    async def get(self):
        self.gets_started += 1
        item = await self.buffer.get()
        self.got.append((now(), item))
        return item

    def expect_within_capacity(self, hint=WHILE_NOT_IF):
        if self.overflow:
            expect.fail(self.overflow, hint=hint)


async def finish(tasks, *, within, stuck, hint=CONDITION):
    """Wait for `tasks` up to `within` seconds; fail with `stuck(names)` if some never end.

    Errors raised in the tasks propagate (NotImplementedError from the stub first)."""
    _, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    errors = [t.exception() for t in tasks if t not in pending and not t.cancelled()]
    for error in errors:
        if isinstance(error, NotImplementedError):
            raise error
    for error in errors:
        if error is not None:
            raise error
    if pending:
        names = [t.get_name() for t in tasks if t in pending]
        expect.fail(stuck(", ".join(names)), hint=hint)


def spawn(coro, name):
    return asyncio.create_task(coro, name=name)


def still_waiting(task):
    """Is `task` still running? An error it ended with is raised here."""
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise task.exception()
    return not task.done()


@pytest.mark.points(2)
async def test_items_come_out_first_in_first_out(kata):
    buf = kata.BoundedBuffer(3)
    got = []

    async def consumer(n):
        for _ in range(n):
            await asyncio.sleep(1)
            got.append(await buf.get())

    async def producer(items):
        for item in items:
            await buf.put(item)

    items = list(range(10))
    tasks = [spawn(producer(items), "producer"), spawn(consumer(10), "consumer")]
    await finish(tasks, within=100, stuck=lambda names: f"{names} never finished.")
    expect.equal(
        got,
        items,
        call="putting 0..9 into BoundedBuffer(3) while a consumer gets 10 items",
        hint="append at one end and take from the other: deque.append() and deque.popleft().",
    )
    # the other way round: the getters are there first
    getters = [spawn(buf.get(), f"get #{i}") for i in range(3)]
    await at(now() + 1)
    await finish(
        [spawn(producer(["x", "y", "z"]), "producer")],
        within=100,
        stuck=lambda names: "put() never returned although three get() calls were waiting.",
    )
    await finish(
        getters,
        within=100,
        stuck=lambda names: f"{names} never returned, although three items were put.",
    )
    expect.equal(
        sorted(g.result() for g in getters),
        ["x", "y", "z"],
        call="three get() calls waiting on an empty buffer, then put('x'), put('y'), "
        "put('z'): what the gets returned, sorted,",
        hint="a get() waiting on an empty buffer must receive an item once one is put.",
    )


@pytest.mark.points(2)
async def test_put_waits_for_room_until_the_freeing_get(kata):
    buf = kata.BoundedBuffer(2)
    start = now()
    await buf.put("a")
    await buf.put("b")
    expect.elapsed(
        now() - start,
        0.0,
        what="put('a'), put('b') into BoundedBuffer(2)",
        why="there is room: no waiting",
    )
    third = spawn(expect.timed(buf.put("c")), "put('c')")
    await at(start + 5.0)
    expect.true(
        still_waiting(third),
        "put('c') into a full BoundedBuffer(2) returned at once; it must wait until a get() "
        "makes room.",
        hint=CONDITION,
    )
    first = await buf.get()
    expect.equal(first, "a", call="get() from a buffer holding 'a', 'b'")
    await finish(
        [third],
        within=60,
        stuck=lambda names: "put('c') never returned after get() made room at 5s.",
    )
    run = third.result()
    expect.elapsed(
        run.end - start,
        5.0,
        what="the waiting put('c')",
        why="it returns the moment the get() at 5s frees a slot",
        hint="wake a waiting put() from get() (`not_full.notify()`) instead of polling.",
    )
    rest = [await buf.get(), await buf.get()]
    expect.equal(rest, ["b", "c"], call="the next two get() calls")


@pytest.mark.points(1)
async def test_get_waits_for_an_item(kata):
    buf = kata.BoundedBuffer(2)
    start = now()
    getter = spawn(expect.timed(buf.get()), "get()")
    await at(start + 3.0)
    expect.true(
        still_waiting(getter),
        "get() on an empty buffer did not wait: it must wait until an item is put.",
        hint=CONDITION,
    )
    await buf.put("late")
    await finish(
        [getter], within=60, stuck=lambda names: "get() never returned after put('late') at 3s."
    )
    run = getter.result()
    expect.equal(run.result, "late", call="the waiting get()")
    expect.elapsed(
        run.end - start,
        3.0,
        what="the waiting get()",
        why="it returns the moment put() at 3s brings an item",
        hint="wake a waiting get() from put() (`not_empty.notify()`) instead of polling.",
    )


@pytest.mark.points(2)
async def test_capacity_is_never_exceeded(kata):
    # no consumer at all: exactly `capacity` puts can return
    buf = kata.BoundedBuffer(3)
    mon = Monitor(buf, 3)

    async def producer():
        for i in range(10):
            await mon.put(i)

    task = spawn(producer(), "producer")
    await at(now() + 10)
    if still_waiting(task):
        task.cancel()
    await asyncio.wait([task])
    expect.true(
        mon.puts_done == 3,
        f"with nobody calling get(), {mon.puts_done} of 10 put() calls into BoundedBuffer(3) "
        "returned; exactly 3 fit, the 4th must wait.",
        hint="in put(), wait while `len(items) >= capacity`.",
    )

    # a put() that arrives just as a get() frees the only slot takes it; the put()s that
    # were already waiting must notice the buffer is full again
    buf = kata.BoundedBuffer(1)
    mon = Monitor(buf, 1)
    await mon.put("a")
    waiting = [spawn(mon.put(x), f"put({x!r})") for x in ("b", "c")]
    await at(now() + 1)
    getter = spawn(mon.get(), "get()")
    newcomer = spawn(mon.put("d"), "put('d')")
    await at(now() + 1)
    mon.expect_within_capacity()
    consumer = [spawn(mon.get(), f"get #{i}") for i in range(3)]
    await finish(
        [*waiting, getter, newcomer, *consumer],
        within=60,
        stuck=lambda names: (
            f"{names} never returned, although there were four items for four get() calls."
        ),
        hint=WRONG_KIND,
    )
    mon.expect_within_capacity()
    got = sorted(item for _, item in mon.got)
    expect.equal(got, ["a", "b", "c", "d"], call="the items the four get() calls returned, sorted,")


@pytest.mark.points(2)
async def test_many_producers_and_consumers(kata):
    # two getters wait on an empty BoundedBuffer(1); two puts arrive together
    buf = kata.BoundedBuffer(1)
    mon = Monitor(buf, 1)
    getters = [spawn(mon.get(), f"get #{i}") for i in (1, 2)]
    await at(now() + 1)
    putters = [spawn(mon.put(x), f"put({x!r})") for x in ("x", "y")]
    await finish(
        [*getters, *putters],
        within=60,
        stuck=lambda names: (
            f"with two get() calls waiting on an empty BoundedBuffer(1) and "
            f"then put('x'), put('y') arriving together, {names} never returned. A wake-up "
            "went to the wrong task: a get() woke another get() (which found nothing and "
            "went back to sleep) instead of the waiting put()."
        ),
        hint=WRONG_KIND,
    )
    expect.equal(
        sorted(item for _, item in mon.got),
        ["x", "y"],
        call="the items the two get() calls returned, sorted,",
    )

    # seeded random traffic: 3 producers, 2 consumers, BoundedBuffer(2)
    rng = random.Random(20)
    buf = kata.BoundedBuffer(2)
    mon = Monitor(buf, 2)
    received = {"c1": [], "c2": []}

    async def producer(name, n):
        for i in range(n):
            await asyncio.sleep(rng.choice([0, 0.5, 1, 1.5]))
            await mon.put((name, i))

    async def consumer(name, n):
        for _ in range(n):
            await asyncio.sleep(rng.choice([0, 0.5, 1, 2]))
            received[name].append(await mon.get())

    tasks = [spawn(producer(p, 8), p) for p in ("p1", "p2", "p3")]
    tasks += [spawn(consumer(c, 12), c) for c in ("c1", "c2")]
    await finish(
        tasks,
        within=600,
        stuck=lambda names: (
            f"with 3 producers putting 8 items each and 2 consumers getting "
            f"12 each, {names} got stuck waiting although there was room or an item for them."
        ),
        hint=WRONG_KIND,
    )
    mon.expect_within_capacity()
    everything = sorted(received["c1"] + received["c2"])
    expected = sorted((p, i) for p in ("p1", "p2", "p3") for i in range(8))
    expect.equal(
        everything,
        expected,
        call="all the items the consumers received, sorted,",
        hint="every item put must be got exactly once.",
    )
    for consumer_name, items in received.items():
        for p in ("p1", "p2", "p3"):
            seq = [i for name, i in items if name == p]
            expect.true(
                seq == sorted(seq),
                f"consumer {consumer_name} received {p}'s items in the order {seq}: the "
                "buffer gave out a newer item before an older one.",
                hint="first in, first out: deque.append() to put, deque.popleft() to get.",
            )


@pytest.mark.points(2)
async def test_waiting_does_not_poll(kata):
    loop = asyncio.get_running_loop()
    buf = kata.BoundedBuffer(1)
    start = now()
    getters = [spawn(expect.timed(buf.get()), f"get #{i}") for i in range(3)]
    await at(start + 1)
    before = loop.stats.steps
    await at(start + 21)
    woken = loop.stats.steps - before - 1  # minus this test's own timer
    expect.true(
        woken <= 6,
        f"while 3 get() calls waited 20s on an empty buffer, the event loop ran {woken} "
        "steps: the waiting calls kept waking up to look at the buffer (polling). A waiting "
        "get() should not run at all until a put() wakes it.",
        hint=CONDITION,
    )

    async def feed(items):
        for item in items:
            await buf.put(item)

    await finish(
        [spawn(feed("abc"), "the feeder"), *getters],
        within=60,
        stuck=lambda names: (
            f"after put('a'), put('b'), put('c') into the BoundedBuffer(1) "
            f"three get() calls waited on, {names} never returned."
        ),
        hint=WRONG_KIND,
    )
    for task in getters:
        expect.elapsed(
            task.result().end - start,
            21.0,
            what=f"the waiting {task.get_name()}",
            why="it returns the moment a put() at 21s brings an item",
            hint="wake a waiting get() from put() (`not_empty.notify()`) instead of polling.",
        )

    await finish(
        [spawn(buf.put("full"), "put('full')")],
        within=1,
        stuck=lambda names: "put('full') into an empty BoundedBuffer(1) did not return at once.",
    )
    putters = [spawn(expect.timed(buf.put(i)), f"put({i})") for i in range(3)]
    await at(start + 22)
    before = loop.stats.steps
    await at(start + 42)
    woken = loop.stats.steps - before - 1
    expect.true(
        woken <= 6,
        f"while 3 put() calls waited 20s on a full buffer, the event loop ran {woken} steps: "
        "the waiting calls kept waking up to look at the buffer (polling). A waiting put() "
        "should not run at all until a get() wakes it.",
        hint=CONDITION,
    )

    async def drain(n):
        for _ in range(n):
            await buf.get()

    await finish(
        [spawn(drain(4), "the drainer"), *putters],
        within=60,
        stuck=lambda names: (
            f"after four get() calls on the full BoundedBuffer(1) three put() "
            f"calls waited on, {names} never returned."
        ),
        hint=WRONG_KIND,
    )
    for task in putters:
        expect.elapsed(
            task.result().end - start,
            42.0,
            what=f"the waiting {task.get_name()}",
            why="it returns the moment a get() at 42s frees a slot",
            hint="wake a waiting put() from get() (`not_full.notify()`) instead of polling.",
        )


@pytest.mark.points(1)
async def test_capacity_must_be_at_least_one(kata):
    buf = kata.BoundedBuffer(1)
    await buf.put("ok")
    expect.equal(await buf.get(), "ok", call="get() after put('ok') on BoundedBuffer(1)")
    for capacity in (0, -1):
        try:
            kata.BoundedBuffer(capacity)
        except ValueError:
            continue
        except Exception as exc:
            expect.fail(
                f"BoundedBuffer({capacity}) raised {type(exc).__name__}: {exc}; "
                "expected ValueError."
            )
        expect.fail(
            f"BoundedBuffer({capacity}) was accepted; a buffer must hold at least one item.",
            hint="in __init__: `if capacity < 1: raise ValueError(...)`.",
        )


QUEUE_CLASSES = {"Queue", "LifoQueue", "PriorityQueue"}


def queue_uses(source):
    """Lines of kata.py that name asyncio's queue classes."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in QUEUE_CLASSES:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("asyncio"):
            if any(alias.name in QUEUE_CLASSES or alias.name == "queues" for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "queues":
            lines.append(node.lineno)
    return sorted(set(lines))


@pytest.mark.points(1)
async def test_does_not_use_asyncio_queue(kata, monkeypatch):
    made = []
    original = asyncio.Queue.__init__

    def counting_init(self, *args, **kwargs):
        made.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(asyncio.Queue, "__init__", counting_init)
    buf = kata.BoundedBuffer(2)
    tasks = [spawn(buf.put(i), f"put({i})") for i in range(4)]
    got = [await buf.get() for _ in range(4)]
    await finish(tasks, within=60, stuck=lambda names: f"{names} never returned.")
    expect.equal(got, [0, 1, 2, 3], call="four put()s and four get()s")
    why = (
        "This kata is about building the waiting yourself, on asyncio.Condition; "
        "asyncio.Queue already does it all, so it is not allowed here (kata 23 uses it)."
    )
    expect.true(
        not made,
        f"your buffer created an asyncio.{made[0] if made else 'Queue'}. {why}",
        hint="keep the items in a collections.deque and wait on asyncio.Condition.",
    )
    with open(kata.__file__, encoding="utf-8") as f:
        lines = queue_uses(f.read())
    expect.true(
        not lines,
        f"kata.py uses asyncio's queues (line {', '.join(map(str, lines))}). {why}",
        hint="keep the items in a collections.deque and wait on asyncio.Condition.",
    )
