import asyncio
import contextlib

import pytest

from graders import Recorder, expect
from graders.loop_errors import expect_no_loop_errors
from graders.outcomes import describe, settle

OVERLAP = (
    "request the next page *before* handing out the items of the current one: "
    "`asyncio.create_task(client.page(n + 1))`, then yield, then await that task."
)
WINDOW = (
    "keep a window of `prefetch` page tasks (a deque): start pages 0 .. prefetch-1 at "
    "once; each time you take a page off the front that has more, start the next page "
    "number at the back."
)
CLEANUP = (
    "wrap the body of the generator in try/finally; in the finally, cancel every page "
    "task still on its way and await them (asyncio.gather(*tasks, return_exceptions=True))."
)


class PagedClient(Recorder):
    """``await client.page(n)`` waits the page's delay, then returns ``(items, has_more)``.

    Page n holds the items ``(n, 0), (n, 1), ...``; pages past the last one come back as
    ``([], False)``. ``errors`` maps a page number to the exception it raises."""

    def __init__(self, sizes, *, delays=1.0, errors=None):
        super().__init__("page")
        self.pages = [[(n, j) for j in range(size)] for n, size in enumerate(sizes)]
        self.delays = delays
        self.errors = errors or {}

    def delay(self, n):
        if isinstance(self.delays, (int, float)):
            return float(self.delays)
        return float(self.delays[min(n, len(self.delays) - 1)])

    async def page(self, n):
        call = self._begin(n, f"page({n})")
        try:
            await asyncio.sleep(self.delay(n))
            if n in self.errors:
                error = self.errors[n]
                raise type(error)(*error.args)  # a fresh exception for each raise
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        except BaseException:
            # The error is not kept: the task that failed must be free to be collected,
            # so that asyncio can report it if nobody retrieved its exception.
            self._end(call, "raised")
            raise
        self._end(call, "ok")
        if n < len(self.pages):
            return list(self.pages[n]), n < len(self.pages) - 1
        return [], False

    def __repr__(self):
        return "<fake client>"


class Reader:
    """The consumer: spends ``per_item`` seconds on every item, noting when each came."""

    def __init__(self, per_item=0.0, *, stop_after=None):
        self.per_item = per_item
        self.stop_after = stop_after
        self.items = []
        self.arrived = []

    async def read(self, gen):
        loop = asyncio.get_running_loop()
        try:
            async with contextlib.aclosing(gen):
                async for item in gen:
                    self.items.append(item)
                    self.arrived.append(loop.time())
                    if self.stop_after is not None and len(self.items) >= self.stop_after:
                        break
                    await asyncio.sleep(self.per_item)
        except BaseExceptionGroup as group:
            if group.subgroup(GeneratorExit) is not None:
                expect.fail(
                    f"closing the generator (aclose) raised {group!r}: a `yield` inside a "
                    "TaskGroup (or another `async with` that gathers errors) turns the "
                    "generator's GeneratorExit into an error group.",
                    hint="do not yield inside a TaskGroup: keep the page tasks in a deque, "
                    "and cancel and await them in a try/finally.",
                )
            raise
        return self.items

    def first_arrival(self, page):
        for (n, _), t in zip(self.items, self.arrived, strict=True):
            if n == page:
                return t
        return None


def all_items(sizes):
    return [(n, j) for n, size in enumerate(sizes) for j in range(size)]


def pipelined(pages, read, fetch):
    """Time for `pages` pages with prefetch=1: the first fetch, then each later page
    costs whichever is slower (reading the previous one or fetching it), then the last
    page is read."""
    return fetch + (pages - 1) * max(read, fetch) + read


@pytest.mark.points(2)
async def test_yields_every_item_in_page_order(kata):
    sizes = [3, 1, 2, 4]
    client = PagedClient(sizes, delays=[1.0, 0.5, 2.0, 0.3])
    items = await Reader().read(kata.iter_items(client))
    expect.equal(
        items,
        all_items(sizes),
        call="iter_items(client) over pages of 3, 1, 2 and 4 items",
        hint="yield the items of page 0, then page 1, ... in order; stop after the page "
        "whose has_more is False.",
    )
    expect.call_count(
        client,
        4,
        hint="with prefetch=1, request page n+1 only once page n said "
        "has_more=True; never request the same page twice.",
    )
    expect.nothing_left_running(client, hint=CLEANUP)


@pytest.mark.points(1)
async def test_empty_pages_and_bad_prefetch(kata):
    client = PagedClient([0])
    items = await Reader().read(kata.iter_items(client))
    expect.equal(items, [], call="iter_items(client) over one empty last page")
    client = PagedClient([2, 0, 0, 1])
    items = await Reader().read(kata.iter_items(client, prefetch=2))
    expect.equal(
        items,
        all_items([2, 0, 0, 1]),
        call="iter_items(client, prefetch=2) over pages of 2, 0, 0 and 1 items",
        hint="an empty page in the middle (has_more=True) just means: go on with the next one.",
    )
    expect.nothing_left_running(client, hint=CLEANUP)
    client = PagedClient([1])
    gen = kata.iter_items(client, prefetch=0)
    await expect.raises(
        ValueError,
        gen.__anext__(),
        call="iter_items(client, prefetch=0), first item,",
        hint="prefetch must be at least 1: raise ValueError when iteration starts.",
    )
    expect.call_count(client, 0, hint="check `prefetch` before requesting any page.")


@pytest.mark.points(2)
async def test_slow_reader_finds_next_page_ready(kata):
    # 4 pages of 2 items; the reader spends 1.5 s per item (3 s a page); a fetch takes 2 s.
    client = PagedClient([2, 2, 2, 2], delays=2.0)
    reader = Reader(per_item=1.5)
    run = await expect.timed(reader.read(kata.iter_items(client)))
    expect.equal(run.result, all_items([2, 2, 2, 2]), call="iter_items(client)")
    expect.elapsed(
        run,
        pipelined(4, read=3.0, fetch=2.0),
        what="reading 4 pages (2 s to fetch, 3 s to read each)",
        why="each next page is fetched while the previous one is read",
        services=[client],
        hint=OVERLAP,
    )
    expect.max_in_flight(client, 1, hint="with prefetch=1, one page request at a time.")


@pytest.mark.points(1)
async def test_slow_fetches_overlap_the_reader(kata):
    # 5 pages of 1 item; a fetch takes 3 s, the reader 1 s per item.
    client = PagedClient([1] * 5, delays=3.0)
    reader = Reader(per_item=1.0)
    run = await expect.timed(reader.read(kata.iter_items(client, prefetch=1)))
    expect.equal(run.result, all_items([1] * 5), call="iter_items(client, prefetch=1)")
    expect.max_in_flight(client, 1, hint="with prefetch=1, one page request at a time.")
    expect.elapsed(
        run,
        pipelined(5, read=1.0, fetch=3.0),
        what="reading 5 pages (3 s to fetch, 1 s to read each)",
        why="the reader's work hides inside the fetches",
        services=[client],
        hint=OVERLAP,
    )


@pytest.mark.points(2)
async def test_prefetch_two_keeps_two_pages_coming(kata):
    # 6 pages of 2 items; a fetch takes 3 s, the reader 1 s per item (2 s a page).
    # With two requests on their way, pages arrive faster than they are read: after the
    # first page (3 s) the reader never waits again: 3 + 6 * 2 = 15 s.
    # (prefetch=1 would take 3 + 5 * 3 + 2 = 20 s.)
    client = PagedClient([2] * 6, delays=3.0)
    reader = Reader(per_item=1.0)
    run = await expect.timed(reader.read(kata.iter_items(client, prefetch=2)))
    expect.equal(run.result, all_items([2] * 6), call="iter_items(client, prefetch=2)")
    expect.max_in_flight(
        client,
        2,
        hint="prefetch=2: two page requests on their way at once "
        "(create both tasks before awaiting either), never three. " + WINDOW,
    )
    expect.elapsed(
        run,
        15.0,
        what="reading 6 pages (3 s to fetch, 2 s to read each) with prefetch=2",
        why="pages 0 and 1 requested at once, then one more each time a page is taken",
        services=[client],
        hint=WINDOW,
    )
    expect.nothing_left_running(client, hint=CLEANUP)


@pytest.mark.points(2)
async def test_never_runs_more_than_prefetch_pages_ahead(kata):
    for prefetch in (1, 2):
        # A slow reader (10 s a page) and fast fetches (1 s): pages must not pile up.
        client = PagedClient([1] * 6, delays=1.0)
        reader = Reader(per_item=10.0)
        await reader.read(kata.iter_items(client, prefetch=prefetch))
        expect.equal(
            reader.items, all_items([1] * 6), call=f"iter_items(client, prefetch={prefetch})"
        )
        for call in client.calls:
            n = call.key
            if n < prefetch:
                continue
            reached = reader.first_arrival(n - prefetch)
            if reached is None or call.start < reached - 1e-9:
                when = "never" if reached is None else f"only at {reached:g}s"
                expect.fail(
                    expect.timeline(client)
                    + f"\nwith prefetch={prefetch}, page({n}) was requested at {call.start:g}s, "
                    f"but the reader reached page {n - prefetch} {when}. Prefetching means "
                    f"at most {prefetch} page(s) ahead of the page being read: page {n} may "
                    f"be requested once page {n - prefetch} is handed out, not earlier.",
                    hint="bound the pages taken *and* not yet handed out, not only the fetches "
                    "in flight: a page that arrived but waits in a buffer still counts. " + WINDOW,
                )
        expect.nothing_left_running(client, hint=CLEANUP)


@pytest.mark.points(2)
async def test_leaving_early_cancels_the_prefetch(kata):
    # Page 0 comes after 1 s; the others would take 5 s. The reader leaves after the
    # first item, while pages 1 and 2 are on their way.
    client = PagedClient([3] * 5, delays=[1.0, 5.0])
    reader = Reader(stop_after=1)
    run = await expect.timed(reader.read(kata.iter_items(client, prefetch=2)))
    expect.equal(run.result, [(0, 0)], call="the first item of iter_items(client, prefetch=2)")
    expect.true(
        len(client.calls_for(1)) == 1,
        expect.timeline(client) + "\nwhile the reader had page 0 in hand, page 1 was not on its "
        "way: with prefetch=2, the next pages must already be requested.",
        hint=WINDOW,
    )
    ahead = [c.key for c in client.calls if c.key > 0]
    expect.cancelled(client, ahead, hint=CLEANUP)
    expect.elapsed(
        run,
        1.0,
        what="leaving after the first item (aclose)",
        why="the pages on their way are cancelled, not awaited",
        services=[client],
        hint="cancel the page tasks, then await them: a cancelled task ends at once.",
    )
    expect.nothing_left_running(client, hint=CLEANUP)


@pytest.mark.points(1)
async def test_leaving_before_a_failed_page_is_quiet(kata):
    # Page 1 fails after 0.5 s, while page 0 (1 s) is still coming. The reader takes one
    # item and leaves: it never reaches page 1, so that error is nobody's business, but it
    # must be collected, not left for asyncio to log.
    client = PagedClient([2] * 4, delays=[1.0, 0.5], errors={1: ConnectionError("page 1")})
    reader = Reader(stop_after=1)
    items = await reader.read(kata.iter_items(client, prefetch=2))
    expect.equal(items, [(0, 0)], call="the first item of iter_items(client, prefetch=2)")
    expect.nothing_left_running(client, hint=CLEANUP)
    expect_no_loop_errors(
        during="closing the generator after a prefetched page had failed",
        hint="on the way out, await *every* page task you started, finished ones too: "
        "asyncio.gather(*tasks, return_exceptions=True) collects their errors quietly.",
    )


@pytest.mark.points(1)
async def test_page_error_reaches_the_reader_in_order(kata):
    # Page 2 fails at 2 s; the reader (1 s per item) gets pages 0 and 1 first, and the
    # error when it reaches page 2, at 3 s. A page requested after it (5 s each) is not
    # needed any more: it must be cancelled, not awaited.
    client = PagedClient(
        [1] * 6, delays=[1.0, 1.0, 1.0, 5.0], errors={2: ConnectionError("page 2")}
    )
    reader = Reader(per_item=1.0)
    run = await settle(reader.read(kata.iter_items(client, prefetch=2)))
    expect.true(
        isinstance(run.error, ConnectionError),
        "iter_items(client, prefetch=2) where page(2) raises ConnectionError "
        + ("ended without an error" if run.error is None else f"raised {describe(run.error)}")
        + "; expected the ConnectionError itself to reach the reader.",
        hint="let the page's error propagate out of the generator (just await the page "
        "task) when the reader reaches that page.",
    )
    expect.equal(
        reader.items,
        [(0, 0), (1, 0)],
        call="the items read before the error",
        hint="the items of the pages before the failing one are handed out first.",
    )
    expect.nothing_left_running(client, hint=CLEANUP)
    expect.cancelled(client, [c.key for c in client.calls if c.key > 2], hint=CLEANUP)
    expect.elapsed(
        run.elapsed,
        3.0,
        what="reading until the error",
        why="the reader reaches page 2 at 3s",
        services=[client],
        hint="cancel the pages still on their way instead of "
        "waiting for them; then the error goes out at once.",
    )
