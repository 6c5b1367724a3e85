import asyncio

import pytest

from graders import Recorder, expect

AS_THEY_COME = (
    "start reading every source at once, and hand each item on the moment it arrives: "
    "one task per source that reads it (`async for item in source`) and puts each item "
    "on a shared asyncio.Queue, while merge yields what it gets from that queue."
)
CLOSE_ALL = (
    "put the loop of merge in `try: ... finally:`; in the finally, cancel the tasks that "
    "read the sources and await them (a source waiting for its next item is then "
    "interrupted, and its finally runs), then `await source.aclose()` every source that "
    "has an aclose() (an async generator paused at its `yield` only ends that way)."
)


class Stream(Recorder):
    """A source for merge: `stream.gen` is a real async generator that sleeps each gap
    (counted from when it is asked for its next item), then yields the item.

    After the schedule, `then` decides: "end", "hang" (wait forever), or an exception
    instance to raise. Each wait is recorded as a call (for timelines and "still in
    flight" checks); `emitted` lists (time, item); `finished` is (how, time) once the
    generator's `finally` has run: how is "ended", "raised", "cancelled" (a pending wait
    was cancelled) or "closed" (aclose() while paused at a yield)."""

    def __init__(self, name, schedule, then="end"):
        super().__init__(name)
        self.schedule = schedule
        self.then = then
        self.emitted = []
        self.finished = None
        self.gen = self._run()

    @property
    def times(self):
        """When each item is due if the source is read without pause from time 0."""
        t, out = 0.0, []
        for gap, item in self.schedule:
            t += gap
            out.append((t, item))
        return out

    async def _run(self):
        loop = asyncio.get_running_loop()
        how = "ended"
        call = None
        try:
            for gap, item in self.schedule:
                call = self._begin(item, f"{self.name} -> {item!r}")
                await asyncio.sleep(gap)
                self._end(call, "ok")
                call = None
                self.emitted.append((loop.time(), item))
                yield item
            if self.then == "hang":
                call = self._begin(None, f"{self.name} (no more items)")
                await loop.create_future()
            elif self.then != "end":
                how = "raised"
                raise self.then
        except asyncio.CancelledError as exc:
            how = "cancelled"
            if call is not None:
                self._end(call, "cancelled", exc)
            raise
        except GeneratorExit:
            how = "closed"
            raise
        finally:
            self.finished = (how, loop.time())

    def __repr__(self):
        return f"<source {self.name}>"


class PlainIterator:
    """An async iterator that is not a generator: it has no aclose()."""

    def __init__(self, items, gap):
        self.items = list(items)
        self.gap = gap

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.items:
            raise StopAsyncIteration
        await asyncio.sleep(self.gap)
        return self.items.pop(0)


def three_streams(then="end"):
    return [
        Stream("a", [(1.0, "a1"), (2.0, "a2"), (2.0, "a3")], then),
        Stream("b", [(0.5, "b1"), (2.0, "b2"), (3.0, "b3")], then),
        Stream("c", [(1.5, "c1"), (0.25, "c2"), (2.5, "c3")], then),
    ]


def call_text(streams):
    return f"merge({', '.join(s.name for s in streams)})"


async def take(agen, n=None, *, pause=0.0):
    """Read `agen` (all of it, or n items), noting (time received, item)."""
    loop = asyncio.get_running_loop()
    got = []
    while n is None or len(got) < n:
        try:
            item = await agen.__anext__()
        except StopAsyncIteration:
            break
        got.append((loop.time(), item))
        if pause:
            await asyncio.sleep(pause)
    return got


def expect_all_closed(streams, *, at, what, hint=CLOSE_ALL):
    for s in streams:
        if s.finished is None:
            state = "is still waiting for its next item" if s.running else "is paused at a `yield`"
            expect.fail(
                expect.timeline(*streams)
                + f"\nafter {what}, source {s.name} was never closed: it {state}, and its "
                "`finally` block has not run.",
                hint,
            )
        elif s.finished[1] > at + expect.TOLERANCE:
            expect.fail(
                f"source {s.name} was closed at {s.finished[1]:g}s, after {what} ({at:g}s).", hint
            )
    expect.nothing_left_running(*streams, hint=hint)


async def close(merged, what):
    """`await merged.aclose()`; an error from it fails the test with advice."""
    try:
        await merged.aclose()
    except NotImplementedError:
        raise
    except BaseException as exc:
        if isinstance(exc, BaseExceptionGroup):
            advice = (
                "a GeneratorExit is thrown into merge at its `yield` when it is closed; a "
                "TaskGroup around that `yield` turns it into an exception group. Don't "
                "yield inside a TaskGroup: start the reader tasks with asyncio.create_task "
                "and clean them up in a `finally:`."
            )
        elif isinstance(exc, AttributeError):
            advice = (
                "any object with __anext__ is an async iterator; only some (async "
                "generators) have aclose(): `if hasattr(source, 'aclose'): await source.aclose()`."
            )
        elif isinstance(exc, RuntimeError) and "already running" in str(exc):
            advice = (
                "a source still being read (a pending next item) cannot be closed: cancel "
                "the task reading it and await that task first, then aclose() the source."
            )
        else:
            advice = (
                "closing must end the merge quietly: let the GeneratorExit through. " + CLOSE_ALL
            )
        expect.fail(f"{what} raised {type(exc).__name__}: {exc!r}.", advice)


@pytest.mark.points(3)
async def test_items_arrive_as_they_are_emitted(kata):
    streams = three_streams()
    loop = asyncio.get_running_loop()
    start = loop.time()
    got = await take(kata.merge(*(s.gen for s in streams)))
    got = [(t - start, item) for t, item in got]
    want = sorted(x for s in streams for x in s.times)
    expect.equal(
        [item for _, item in got],
        [item for _, item in want],
        call=f"{call_text(streams)}, read to the end,",
        hint="yield the items in the order they are produced, across all sources. " + AS_THEY_COME,
    )
    for (t, item), (due, _) in zip(got, want, strict=True):
        if abs(t - due) > expect.TOLERANCE:
            expect.fail(
                expect.timeline(*streams)
                + f"\n{item!r} was received at {t:g}s; its source produces it at {due:g}s when "
                "read from the start without pause, so it should arrive then.",
                AS_THEY_COME,
            )
    expect.elapsed(
        loop.time() - start,
        5.5,
        what=f"reading {call_text(streams)}",
        why="the last item, b3, is produced at 5.5s",
        services=streams,
        hint=AS_THEY_COME,
    )
    expect_all_closed(streams, at=5.5, what="the merge ended")


@pytest.mark.points(1)
async def test_a_slow_reader_loses_nothing(kata):
    streams = three_streams()
    got = await take(kata.merge(*(s.gen for s in streams)), pause=1.0)
    items = [item for _, item in got]
    expect.equal(
        sorted(items),
        sorted(x for s in streams for _, x in s.schedule),
        call=f"{call_text(streams)} read with a 1s pause after each item, sorted,",
        hint="every item of every source must come out once, however slowly merge is read.",
    )
    for s in streams:
        mine = [i for i in items if i.startswith(s.name)]
        expect.equal(
            mine,
            [x for _, x in s.schedule],
            call=f"the items of source {s.name}, in the order received,",
            hint="keep each source's items in their order.",
        )
    expect.nothing_left_running(*streams)


@pytest.mark.points(2)
async def test_an_error_in_one_source_propagates(kata):
    streams = three_streams(then="hang")
    error = ValueError("source b broke")
    streams[1] = Stream("b", [(0.5, "b1"), (1.5, "b2")], error)
    loop = asyncio.get_running_loop()
    start = loop.time()
    got = []

    async def read_all():
        async for item in kata.merge(*(s.gen for s in streams)):
            got.append((loop.time() - start, item))

    call = f"{call_text(streams)} where b raises ValueError after b2, at 2s"
    tell = (
        "when a source raises, merge must raise that error to its reader (as itself, "
        "or in an ExceptionGroup): the task reading that source should catch it and hand "
        "it over the queue like an item, and merge then raises it."
    )
    try:
        async with asyncio.timeout(30):
            err = await expect.raises(
                ValueError, read_all(), call=call, allow_group=True, hint=tell
            )
    except TimeoutError:
        expect.fail(
            f"{call} was still waiting for items at 30s: the error never reached the reader "
            "of the merge.",
            tell,
        )
    expect.true(err is error, f"{call} raised a different ValueError: {err!r}")
    expect.equal(
        [item for _, item in got],
        ["b1", "a1", "c1", "c2", "b2"],
        call="the items received before the error",
    )
    expect.elapsed(
        loop.time() - start,
        2.0,
        what=call,
        why="the error ends the merge at once",
        services=streams,
        hint="raise the error as soon as it happens.",
    )
    expect_all_closed(
        streams, at=2.0, what="the error", hint="an error ends the merge: then " + CLOSE_ALL
    )


@pytest.mark.points(3)
async def test_closing_early_closes_every_source(kata):
    streams = three_streams(then="hang")
    merged = kata.merge(*(s.gen for s in streams))
    loop = asyncio.get_running_loop()
    start = loop.time()
    got = await take(merged, 3)
    expect.equal(
        [item for _, item in got],
        ["b1", "a1", "c1"],
        call=f"the first three items of {call_text(streams)}",
    )
    await close(merged, f"closing {call_text(streams)} early (`await merged.aclose()`)")
    closed_at = loop.time() - start
    expect.elapsed(
        closed_at,
        1.5,
        what="closing the merge",
        why="nothing to wait for",
        services=streams,
        hint=CLOSE_ALL,
    )
    expect_all_closed(streams, at=loop.time(), what="merged.aclose()")
    late = [(t, item) for s in streams for t, item in s.emitted if t - start > 1.5]
    expect.true(
        not late, f"sources still produced {late} after the merge was closed.", hint=CLOSE_ALL
    )


@pytest.mark.points(2)
async def test_closing_after_a_pause_closes_paused_sources(kata):
    # The reader pauses for 10s after the first item: a source read ahead may then be
    # paused at a `yield`, where no cancellation reaches it; only aclose() ends it.
    streams = [
        Stream("a", [(1.0, "a1"), (1.0, "a2")], "hang"),
        Stream("b", [(0.5, "b1"), (1.0, "b2"), (1.0, "b3")], "hang"),
    ]
    merged = kata.merge(*(s.gen for s in streams))
    got = await take(merged, 1)
    expect.equal([item for _, item in got], ["b1"], call=f"the first item of {call_text(streams)}")
    await asyncio.sleep(10)
    await close(merged, f"closing {call_text(streams)} after a 10s pause")
    expect_all_closed(
        streams, at=asyncio.get_running_loop().time(), what="merged.aclose() after a 10s pause"
    )


@pytest.mark.points(1)
async def test_no_sources_and_empty_sources(kata):
    loop = asyncio.get_running_loop()
    start = loop.time()
    got = await take(kata.merge())
    expect.equal(got, [], call="merge() read to the end", hint="no sources: the merge is empty.")
    empty = Stream("e", [])
    one = Stream("f", [(1.0, "f1")])
    got = await take(kata.merge(empty.gen, one.gen))
    expect.equal(
        [item for _, item in got],
        ["f1"],
        call="merge(e, f) with e empty, read to the end,",
        hint="a source that ends only stops counting; the merge ends when all have ended.",
    )
    expect.elapsed(loop.time() - start, 1.0, what="merge() then merge(e, f)", services=[empty, one])
    expect.nothing_left_running(empty, one)


@pytest.mark.points(1)
async def test_sources_without_aclose(kata):
    plain = PlainIterator(["p1", "p2", "p3"], 1.0)
    gen = Stream("g", [(1.5, "g1"), (1.0, "g2")], "hang")
    merged = kata.merge(plain, gen.gen)
    got = await take(merged, 3)
    expect.equal(
        [item for _, item in got],
        ["p1", "g1", "p2"],
        call="the first three items of merge(plain, g)",
    )
    await close(
        merged, "closing merge(plain, g), where `plain` is an async iterator without aclose(),"
    )
    expect_all_closed([gen], at=asyncio.get_running_loop().time(), what="merged.aclose()")
