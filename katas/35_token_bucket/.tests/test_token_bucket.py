import asyncio

import pytest

from graders import expect

CLOCK = (
    "measure time with the event loop's clock, `asyncio.get_running_loop().time()`: the "
    "tests run on a virtual clock, which time.monotonic() and time.time() do not follow."
)
SCHEDULE = (
    "tokens refill continuously: `tokens = min(burst, tokens + elapsed * rate)`. When "
    "fewer than 1 is left, sleep exactly until the next one is there, "
    "`(1 - tokens) / rate` seconds, then take it."
)
GRACE = 5.0
FIFO = (
    "serve waiters in arrival order: let one caller at a time wait for its token, and queue "
    "the others behind it (an asyncio.Lock is first come, first served)."
)


def expected_times(n, rate, burst, t0=0.0):
    """When the k-th of n acquires made together at t0 completes."""
    return [t0 + max(0.0, (k - burst + 1) / rate) for k in range(n)]


class Acquirers:
    """Callers of `bucket.acquire()`, each a task; records when each one got its token."""

    def __init__(self, bucket):
        self.bucket = bucket
        self.tasks = {}
        self.started = {}
        self.done = {}  # name -> loop time acquire() returned
        self.order = []  # names, in the order acquire() returned

    def start(self, name):
        self.started[name] = asyncio.get_running_loop().time()
        self.tasks[name] = asyncio.create_task(self._one(name))

    async def _one(self, name):
        await self.bucket.acquire()
        self.done[name] = asyncio.get_running_loop().time()
        self.order.append(name)

    async def wait(self, by, *names):
        """Wait for the named callers (all by default), due by loop time `by`; give up
        GRACE virtual seconds after that."""
        loop = asyncio.get_running_loop()
        tasks = [self.tasks[n] for n in (names or self.tasks)]
        pending = [t for t in tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=max(0.0, by + GRACE - loop.time()))
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # the learner's error (or the stub)
        late = [n for n in (names or self.tasks) if not self.tasks[n].done()]
        if late:
            for task in self.tasks.values():
                task.cancel()
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
            expect.fail(
                f"{len(late)} acquire() call(s) were still waiting at {by + GRACE:g}s "
                f"(virtual), {GRACE:g}s after the last one should have returned: "
                f"{', '.join(map(str, late[:5]))}" + (", ..." if len(late) > 5 else "") + ". "
                "Is a waiter never woken up, or is time read from another clock than the "
                "loop's?",
                CLOCK + " " + SCHEDULE,
            )


def check_times(who, expected, story, hint=SCHEDULE):
    """`who.done[name]` must equal `expected[name]` for every name."""

    def wrong(n):
        return n not in who.done or abs(who.done[n] - expected[n]) > 1e-6

    if not any(wrong(n) for n in expected):
        return
    names = list(expected)
    shown = names if len(names) <= 12 else [n for i, n in enumerate(names) if i < 4 or wrong(n)]
    rows = [
        f"  {n!s:>6}: called at {who.started[n]:g}s, returned at "
        + (f"{who.done[n]:g}s" if n in who.done else "never")
        + f", expected {expected[n]:g}s"
        + ("   <--" if wrong(n) else "")
        for n in shown[:12]
    ]
    if len(shown) > 12:
        rows.append(f"  ... and {len(shown) - 12} more wrong")
    expect.fail(story + "\n" + "\n".join(rows), hint)


@pytest.mark.points(3)
async def test_burst_then_steady_rate(kata):
    for rate, burst, n in ((2.0, 3, 10), (4.0, 1, 6), (0.5, 2, 5)):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        bucket = kata.TokenBucket(rate, burst)
        who = Acquirers(bucket)
        for k in range(n):
            who.start(k)
        times = expected_times(n, rate, burst, t0)
        await who.wait(times[-1])
        check_times(
            who,
            dict(enumerate(times)),
            f"TokenBucket(rate={rate:g}, burst={burst}), {n} acquire() calls at once: the "
            f"first {burst} return at once, then one every 1/rate = {1 / rate:g}s.",
        )
        await asyncio.sleep(100)  # the bucket refills; the next round uses a new one anyway


@pytest.mark.points(2)
async def test_first_come_first_served(kata):
    bucket = kata.TokenBucket(1.0, 1)
    who = Acquirers(bucket)
    for k in range(8):
        who.start(f"a{k}")  # a0 at once, then one per second
    await asyncio.sleep(2.5)
    who.start("late1")  # arrives while a3..a7 still wait: it is served after them
    await asyncio.sleep(1.5)
    who.start("late2")  # arrives exactly when a4 gets its token
    await who.wait(9.0)
    expected_order = [f"a{k}" for k in range(8)] + ["late1", "late2"]
    expect.equal(
        who.order,
        expected_order,
        call="the order in which acquire() returned",
        hint=FIFO,
    )
    check_times(
        who,
        {name: float(i) for i, name in enumerate(expected_order)},
        "TokenBucket(rate=1, burst=1): one token per second, served in arrival order.",
    )


@pytest.mark.points(2)
async def test_no_window_exceeds_the_rate(kata):
    rate, burst = 2.0, 4
    bucket = kata.TokenBucket(rate, burst)
    times = []

    async def client(name, pattern):
        for pause, count in pattern:
            await asyncio.sleep(pause)
            for _ in range(count):
                await bucket.acquire()
                times.append((asyncio.get_running_loop().time(), name))

    clients = [
        client("a", [(0, 6), (10, 3), (0.25, 8), (20, 2)]),
        client("b", [(0.75, 2), (12, 5), (5, 1), (0.5, 1), (0.5, 1), (14, 6)]),
        client("c", [(9, 1), (0.3, 1), (0.3, 1), (30, 3)]),
    ]
    try:
        async with asyncio.timeout(200):
            await asyncio.gather(*clients)
    except TimeoutError:
        expect.fail("acquire() calls were still waiting after 200s of virtual time.", CLOCK)
    times.sort()
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            (ti, _), (tj, _) = times[i], times[j]
            allowed = burst + rate * (tj - ti)
            if j - i + 1 > allowed + 1e-9:
                expect.fail(
                    f"TokenBucket(rate=2, burst=4) let {j - i + 1} acquire() calls return "
                    f"between {ti:g}s and {tj:g}s; in a window of {tj - ti:g}s at most burst "
                    f"+ rate × {tj - ti:g} = {allowed:g} may.",
                    "the bucket never holds more than `burst` tokens: cap the refill, "
                    "`min(burst, tokens + elapsed * rate)`, however long it sat idle.",
                )
    expect.true(len(times) == 41, f"only {len(times)} of 41 acquire() calls returned.")


@pytest.mark.points(1)
async def test_refills_by_the_loop_clock(kata):
    bucket = kata.TokenBucket(1.0, 3)
    who = Acquirers(bucket)
    for k in range(3):
        who.start(k)
    await who.wait(0.0)
    await asyncio.sleep(10)  # 10 virtual seconds: the bucket is full again
    for k in range(3, 7):
        who.start(k)
    await who.wait(11.0)
    check_times(
        who,
        {0: 0.0, 1: 0.0, 2: 0.0, 3: 10.0, 4: 10.0, 5: 10.0, 6: 11.0},
        "TokenBucket(rate=1, burst=3): three acquires at 0s empty it; after 10s of (virtual) "
        "time it is full again, so three more return at once.",
        hint=CLOCK,
    )


@pytest.mark.points(2)
async def test_waiting_does_not_poll(kata):
    loop = asyncio.get_running_loop()
    n = 40
    bucket = kata.TokenBucket(1.0, 1)
    who = Acquirers(bucket)
    await asyncio.sleep(0)
    before = loop.stats.steps
    for k in range(n):
        who.start(k)
    await who.wait(n - 1.0)
    steps = loop.stats.steps - before
    check_times(
        who,
        dict(enumerate(expected_times(n, 1.0, 1))),
        "TokenBucket(rate=1, burst=1), 40 acquire() calls at once.",
    )
    bound = 8 * n
    expect.true(
        steps <= bound,
        f"while {n} callers waited {n - 1}s for their tokens, the event loop ran {steps} "
        f"steps (callbacks); a bucket whose waiters sleep until their turn needs fewer than "
        f"{bound}. Your waiters wake up again and again to check.",
        hint="no waiter should wake up before it can really take a token: queue them (an "
        "asyncio.Lock or a queue of futures) and let only the first one sleep, exactly "
        "until its token is there.",
    )
    before = loop.stats.steps
    await asyncio.sleep(100)  # an idle bucket
    idle = loop.stats.steps - before
    expect.true(
        idle <= 3,
        f"while the bucket sat idle for 100s, the event loop ran {idle} steps: something "
        "keeps waking up (a background refill task?).",
        hint="no background task: compute the tokens from the time elapsed since the last "
        "refill whenever acquire() is called.",
    )
    expect.nothing_left_running(
        hint="a token bucket needs no task of its own: refill lazily, in acquire()."
    )


@pytest.mark.points(2)
async def test_cancelled_waiter_takes_no_token(kata):
    bucket = kata.TokenBucket(1.0, 1)
    who = Acquirers(bucket)
    for name in ("a", "b", "c"):
        who.start(name)  # a at 0s; b would get 1s, c 2s
    await asyncio.sleep(0.5)
    await who.wait(0, "a")
    who.tasks["b"].cancel()  # b, first in line, gives up
    await who.wait(1.0, "c")
    who.start("d")
    await who.wait(2.0, "d")
    expect.true(
        who.tasks["b"].cancelled(),
        "the cancelled acquire() did not end cancelled: let CancelledError propagate.",
    )
    check_times(
        who,
        {"a": 0.0, "c": 1.0, "d": 2.0},
        "TokenBucket(rate=1, burst=1): a, b, c call acquire() at 0s; b is cancelled at 0.5s "
        "while it waits, so c gets the token b would have had, and d, arriving when c is "
        "served, gets the next.",
        hint="a caller cancelled while it waits takes no token and keeps no place: the next "
        "waiter must get the token as soon as it is there.",
    )

    # Cancelling a waiter in the middle of the queue.
    await asyncio.sleep(10)
    start = asyncio.get_running_loop().time()
    who = Acquirers(bucket)
    for name in ("e", "f", "g", "h"):
        who.start(name)  # e at once; f +1s, g +2s, h +3s
    await asyncio.sleep(0.5)
    who.tasks["g"].cancel()
    await who.wait(start + 2, "e", "f", "h")
    check_times(
        who,
        {"e": start, "f": start + 1, "h": start + 2},
        f"TokenBucket(rate=1, burst=1): e, f, g, h call acquire() at {start:g}s; g is "
        "cancelled half a second later, so h moves up to g's turn.",
        hint="a caller cancelled while it waits takes no token and keeps no place.",
    )
