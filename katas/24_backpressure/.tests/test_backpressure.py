import asyncio

import pytest

from graders import Recorder, expect

OVERLAP = (
    "run the producer (reading `source` into the queue) and the consumer (taking items "
    "out and awaiting `sink(item)`) as two concurrent tasks, not one after the other."
)
BOUNDED = (
    "use a bounded queue, `asyncio.Queue(maxsize)`, and `await queue.put(item)`: when the "
    "queue is full, put() waits, and the producer stops reading the source until the "
    "consumer catches up."
)
ON_ERROR = (
    "when one side fails, cancel the other and wait for it before the error leaves pump: "
    "run producer and consumer in an asyncio.TaskGroup."
)


class Meter:
    """Counts items read from the source and handed to the sink; remembers the first
    moment more than ``limit`` items were held in between."""

    def __init__(self, limit: int):
        self.limit = limit
        self.produced = 0
        self.consumed = 0
        self.peak = 0
        self.over: tuple[float, int, int] | None = None

    def produce(self):
        self.produced += 1
        held = self.produced - self.consumed
        self.peak = max(self.peak, held)
        if held > self.limit and self.over is None:
            self.over = (asyncio.get_running_loop().time(), self.produced, self.consumed)

    def consume(self):
        self.consumed += 1


class Source(Recorder):
    """An async iterator over ``items``; each item takes ``delay`` seconds to arrive once
    asked for. With ``error_at``, asking for that index raises ``error`` after the delay."""

    def __init__(self, items, delay, meter, *, error_at=None, error=None):
        super().__init__("source")
        self.items = list(items)
        self.delay = delay
        self.meter = meter
        self.error_at = error_at
        self.error = error
        self.index = 0
        self.exhausted = False
        self.closed = False
        self._busy = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._busy:
            raise RuntimeError(
                "anext() called on the source while a previous anext() is still running"
            )
        if self.index >= len(self.items):
            self.exhausted = True
            raise StopAsyncIteration
        index = self.index
        call = self._begin(index, f"source[{index}]")
        self._busy = True
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        finally:
            self._busy = False
        if index == self.error_at:
            self._end(call, "raised", self.error)
            raise self.error
        self.index += 1
        self._end(call, "ok")
        self.meter.produce()
        return self.items[index]

    async def aclose(self):
        self.closed = True


class Sink(Recorder):
    """``await sink(item)``: takes ``delay`` seconds; with ``error_at``, raises ``error``
    for that item after the delay. Records the items in the order they were handed in."""

    def __init__(self, delay, meter, *, error_at=None, error=None):
        super().__init__("sink")
        self.delay = delay
        self.meter = meter
        self.error_at = error_at
        self.error = error
        self.received = []

    async def __call__(self, item):
        self.received.append(item)
        self.meter.consume()
        call = self._begin(item, f"sink({item!r})")
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        if item == self.error_at:
            self._end(call, "raised", self.error)
            raise self.error
        self._end(call, "ok")


def rig(n, *, read, write, maxsize, **errors):
    """A source of items 0..n-1 (``read`` s each), a sink (``write`` s each), one meter."""
    meter = Meter(maxsize + 1)
    source = Source(
        range(n),
        read,
        meter,
        error_at=errors.get("source_error_at"),
        error=errors.get("source_error"),
    )
    sink = Sink(write, meter, error_at=errors.get("sink_error_at"), error=errors.get("sink_error"))
    return source, sink, meter


def expect_bounded(meter: Meter, maxsize: int, call: str):
    if meter.over is None:
        return
    when, produced, consumed = meter.over
    expect.fail(
        f"during {call}, at {when:g}s the source had produced {produced} items but only "
        f"{consumed} had been handed to sink: pump was holding {produced - consumed} items "
        f"(it held up to {meter.peak}). With maxsize={maxsize} it may hold at most "
        f"{maxsize + 1}: {maxsize} in the queue and 1 read by the producer, waiting for room. "
        "A fast source must not run ahead of a slow sink: memory would grow without bound.",
        BOUNDED,
    )


@pytest.mark.points(2)
async def test_every_item_reaches_the_sink_in_order(kata):
    source, sink, _ = rig(6, read=0.5, write=1.0, maxsize=2)
    count = await kata.pump(source, sink, 2)
    expect.equal(
        sink.received,
        list(range(6)),
        call="pump(source of 0..5, sink, 2), then sink's items,",
        hint="one consumer, taking items from a FIFO queue, keeps the source's order.",
    )
    expect.equal(
        count,
        6,
        call="pump(source of 0..5, sink, 2)",
        hint="return how many items went through to the sink.",
    )
    expect.true(
        source.exhausted,
        "pump returned before reading the source to its end.",
        hint="read the source until it is exhausted (`async for item in source`).",
    )
    expect.nothing_left_running(source, sink)


@pytest.mark.points(3)
async def test_queue_stays_bounded(kata):
    for maxsize in (3, 1):
        source, sink, meter = rig(10, read=0.1, write=1.0, maxsize=maxsize)
        call = f"pump(fast source of 10 items, slow sink, {maxsize})"
        count = await kata.pump(source, sink, maxsize)
        expect_bounded(meter, maxsize, call)
        expect.equal(count, 10, call=call)
        expect.equal(sink.received, list(range(10)), call=call + ", then sink's items,")


@pytest.mark.points(3)
async def test_producer_and_consumer_overlap(kata):
    cases = [
        (1.0, 2.0, 9.0, "the first item after 1 s, then four 2 s sinks back to back"),
        (2.0, 1.0, 9.0, "four 2 s reads back to back, then the last 1 s sink"),
        (0.1, 1.0, 10.1, "the first item after 0.1 s, then ten 1 s sinks back to back"),
    ]
    for read, write, expected, why in cases:
        n = 10 if read == 0.1 else 4
        source, sink, _ = rig(n, read=read, write=write, maxsize=2)
        call = f"pump({n} items, {read:g} s to read each, {write:g} s to sink each, maxsize=2)"
        run = await expect.timed(kata.pump(source, sink, 2))
        expect.equal(run.result, n, call=call)
        expect.elapsed(run, expected, what=call, why=why, services=[source, sink], hint=OVERLAP)


@pytest.mark.points(1)
async def test_empty_source(kata):
    source, sink, _ = rig(0, read=1.0, write=1.0, maxsize=2)
    count = await kata.pump(source, sink, 2)
    expect.equal(count, 0, call="pump(empty source, sink, 2)", hint="no items: return 0.")
    expect.call_count(sink, 0)
    expect.nothing_left_running(
        source,
        sink,
        hint="stop the consumer once the producer is done "
        "(a sentinel item in the queue, or cancel it): do not leave it waiting.",
    )


@pytest.mark.points(2)
async def test_sink_error_stops_the_pump(kata):
    source, sink, _ = rig(
        10,
        read=0.1,
        write=1.0,
        maxsize=2,
        sink_error_at=2,
        sink_error=ValueError("sink rejected 2"),
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    await expect.raises(
        ValueError,
        kata.pump(source, sink, 2),
        call="pump(source, sink, 2) where sink(2) raises ValueError",
        hint="let the sink's error propagate (as itself, or inside a TaskGroup's ExceptionGroup).",
        allow_group=True,
    )
    took = loop.time() - start
    expect.nothing_left_running(source, sink, hint=ON_ERROR)
    failed = sink.calls_for(2)[0]
    more = [c.label for c in (*source.calls, *sink.calls) if c.start > failed.end]
    expect.true(
        not more,
        expect.timeline(source, sink) + f"\nafter sink(2) failed at {failed.end:g}s, pump "
        f"went on with {', '.join(more)}.",
        hint=ON_ERROR,
    )
    expect.elapsed(
        took,
        failed.end - start,
        what="pump to raise",
        why="as soon as sink(2) fails",
        services=[source, sink],
        hint=ON_ERROR,
    )


@pytest.mark.points(2)
async def test_source_error_stops_the_pump(kata):
    source, sink, _ = rig(
        10,
        read=0.1,
        write=1.0,
        maxsize=2,
        source_error_at=3,
        source_error=ConnectionError("source lost"),
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    await expect.raises(
        ConnectionError,
        kata.pump(source, sink, 2),
        call="pump(source, sink, 2) where reading the 4th item raises ConnectionError",
        hint="let the source's error propagate (as itself, or inside a TaskGroup's "
        "ExceptionGroup).",
        allow_group=True,
    )
    took = loop.time() - start
    expect.nothing_left_running(source, sink, hint=ON_ERROR)
    failed = source.calls_for(3)[0]
    late = [
        c for c in sink.calls if c.start > failed.end or (c.outcome == "ok" and c.end > failed.end)
    ]
    expect.true(
        not late,
        expect.timeline(source, sink) + f"\nafter the source failed at {failed.end:g}s, "
        f"pump went on with {', '.join(c.label for c in late)}: the sink calls still "
        "running must be cancelled, and no new one started.",
        hint=ON_ERROR,
    )
    expect.elapsed(
        took,
        failed.end - start,
        what="pump to raise",
        why="as soon as the source fails",
        services=[source, sink],
        hint=ON_ERROR,
    )


@pytest.mark.points(1)
async def test_maxsize_below_one_is_an_error(kata):
    for maxsize in (0, -1):
        source, sink, _ = rig(5, read=0.1, write=1.0, maxsize=maxsize)
        await expect.raises(
            ValueError,
            kata.pump(source, sink, maxsize),
            call=f"pump(source, sink, {maxsize})",
            hint="check `maxsize < 1` first and raise ValueError: asyncio.Queue(0) (or a "
            "negative size) means an *unbounded* queue, the opposite of backpressure.",
        )
        expect.call_count(source, 0)


@pytest.mark.points(1)
async def test_long_stream(kata):
    source, sink, meter = rig(500, read=0.01, write=0.02, maxsize=10)
    call = "pump(500 items, 0.01 s to read, 0.02 s to sink, maxsize=10)"
    run = await expect.timed(kata.pump(source, sink, 10))
    expect_bounded(meter, 10, call)
    expect.equal(run.result, 500, call=call)
    expect.true(sink.received == list(range(500)), f"{call}: the sink did not get 0..499 in order.")
    expect.elapsed(
        run,
        0.01 + 500 * 0.02,
        what=call,
        why="the sink busy all the time after the first item",
        hint=OVERLAP,
    )
    expect.nothing_left_running(source, sink)
