import asyncio
import heapq
from collections import Counter

import pytest

from graders import FakeService, expect

#: url: (fetch, parse, store) seconds. Chosen so that no two items reach a stage at the
#: same instant (the reference timing is then unique) and so that every design without
#: real overlap between the stages is strictly slower.
PLAN = {
    "a": (1.25, 1.0, 0.5),
    "b": (0.5, 1.5, 0.5),
    "c": (2.0, 1.5, 0.5),
    "d": (0.75, 0.5, 0.5),
    "e": (1.25, 1.5, 0.5),
    "f": (0.5, 0.5, 0.5),
    "g": (2.0, 1.25, 0.25),
    "h": (0.5, 1.25, 0.5),
}
URLS = list(PLAN)

STAGES = (
    "three stages joined by two queues: `fetchers` worker tasks take urls and put pages on "
    "a queue, `parsers` worker tasks take pages and put records on a second queue, one "
    "store worker takes records. Every worker hands its item on and at once takes the next."
)
OVERLAP = (
    "the stages must run at the same time: a page should be parsed as soon as it is "
    "fetched (while other urls are still being fetched), and stored as soon as it is "
    "parsed. Don't wait for a whole stage to finish before starting the next one, and "
    "don't make a fetcher parse its own page (it stops fetching meanwhile)."
)
STOP_ALL = (
    "an error in any worker must stop every stage: cancel all the workers (in-flight "
    "calls included) and wait for them, then let the error out. An asyncio.TaskGroup "
    "holding every worker does exactly that; `queue.join()` alone waits forever once a "
    "worker has died."
)


def url_of(text):
    """'page:a' and 'record:a' -> 'a'."""
    return text.split(":", 1)[1]


class Site:
    """The three fakes, driven by a plan of delays. `fetch(url)` returns 'page:<url>',
    `parse(page)` returns 'record:<url>' (or None for urls in `empty`), `store(record)`
    returns None."""

    def __init__(self, plan=PLAN, *, empty=(), errors=None):
        errors = errors or {}
        self.plan = plan
        self.fetch = FakeService(
            "fetch",
            delays=lambda url: plan[url][0],
            values=lambda url: f"page:{url}",
            errors=lambda url: errors.get(("fetch", url)),
        )
        self.parse = FakeService(
            "parse",
            delays=lambda page: plan[url_of(page)][1],
            values=lambda page: None if url_of(page) in empty else f"record:{url_of(page)}",
            errors=lambda page: errors.get(("parse", url_of(page))),
        )
        self.store = FakeService(
            "store",
            delays=lambda record: plan[url_of(record)][2],
            values=lambda record: None,
            errors=lambda record: errors.get(("store", url_of(record))),
        )
        self.services = [self.fetch, self.parse, self.store]

    def run(self, kata, urls, fetchers, parsers):
        return kata.pipeline(
            urls, self.fetch, self.parse, self.store, fetchers=fetchers, parsers=parsers
        )


def reference_schedule(plan, urls, fetchers, parsers, empty=()):
    """When each call starts and ends in the stated design, as {stage: [(url, start,
    end)]}: each stage is a FIFO queue served by its workers (fetchers, parsers, one
    storer); an item joins the next stage's queue the moment it leaves this one."""

    def stage(arrivals, index, workers):
        free = [0.0] * workers
        calls = []
        for arrived, url in sorted(arrivals, key=lambda a: a[0]):
            start = max(arrived, heapq.heappop(free))
            end = start + plan[url][index]
            heapq.heappush(free, end)
            calls.append((url, start, end))
        return calls

    fetched = stage([(0.0, url) for url in urls], 0, fetchers)
    parsed = stage([(end, url) for url, _, end in fetched], 1, parsers)
    stored = stage([(end, url) for url, _, end in parsed if url not in empty], 2, 1)
    return {"fetch": fetched, "parse": parsed, "store": stored}


def makespan(schedule):
    return max((end for calls in schedule.values() for _, _, end in calls), default=0.0)


def call_text(urls, fetchers, parsers):
    return f"pipeline({urls!r}, fetch, parse, store, fetchers={fetchers}, parsers={parsers})"


async def raises_within(exc_type, awaitable, *, call, hint, stuck, budget=60.0):
    """expect.raises with a deadline: a pipeline whose workers wait forever must fail
    with a message (`stuck` explains why), not hang."""
    try:
        async with asyncio.timeout(budget):
            return await expect.raises(exc_type, awaitable, call=call, hint=hint, allow_group=True)
    except TimeoutError:
        expect.fail(f"{call} was still running after {budget:g}s instead of raising: {stuck}")


@pytest.mark.points(2)
async def test_every_item_goes_through_every_stage(kata):
    site = Site()
    urls = ["a", "b", "c", "b", "d"]
    counts = await site.run(kata, urls, 2, 2)
    call = call_text(urls, 2, 2)
    expect.equal(
        counts,
        {"fetched": 5, "parsed": 5, "stored": 5},
        call=call,
        hint="count what each stage finished: every url (duplicates too) is fetched, "
        "parsed and stored once.",
    )
    for service, prefix in ((site.fetch, ""), (site.parse, "page:"), (site.store, "record:")):
        want = Counter(prefix + u for u in urls)
        got = Counter(c.key for c in service.calls)
        expect.true(
            got == want,
            f"{service.name} was called with {sorted(got.elements())}; expected each of "
            f"{sorted(want.elements())} exactly once (a url listed twice goes through twice).",
            hint="every item must pass through each stage exactly once: none lost, none "
            "handled twice.",
        )
    expect.nothing_left_running(*site.services)


@pytest.mark.points(1)
async def test_records_parsed_to_none_are_not_stored(kata):
    site = Site(empty={"b", "e"})
    counts = await site.run(kata, URLS, 2, 2)
    expect.equal(
        counts,
        {"fetched": 8, "parsed": 8, "stored": 6},
        call=call_text(URLS, 2, 2) + " where parse returns None for b and e",
        hint="a page that parses to None has nothing to store: count it as parsed, but "
        "don't pass None to store.",
    )
    stored = sorted(c.key for c in site.store.calls)
    expect.equal(stored, [f"record:{u}" for u in "acdfgh"], call="the records stored, sorted,")
    expect.nothing_left_running(*site.services)


@pytest.mark.points(3)
async def test_stages_overlap(kata):
    site = Site()
    run = await expect.timed(site.run(kata, URLS, 2, 2))
    expect.equal(run.result, {"fetched": 8, "parsed": 8, "stored": 8}, call=call_text(URLS, 2, 2))
    expect.elapsed(
        run,
        makespan(reference_schedule(PLAN, URLS, 2, 2)),
        what=call_text(URLS, 2, 2),
        why="each item moves to the next stage the moment it leaves one, and a free "
        "worker takes the oldest waiting item at once",
        services=site.services,
        hint=OVERLAP,
    )
    expect.nothing_left_running(*site.services)


@pytest.mark.points(3)
async def test_each_stage_runs_its_own_number_of_workers(kata):
    # Slow parsing: pages pile up, so every parser is busy, and the fetchers run ahead.
    plan = {f"u{i}": (0.5, 2.0, 0.25) for i in range(9)}
    for urls, fetchers, parsers in ((list(plan), 3, 2), (list(plan)[:3], 5, 4)):
        site = Site(plan)
        run = await expect.timed(site.run(kata, urls, fetchers, parsers))
        call = call_text(urls, fetchers, parsers)
        n = len(urls)
        expect.equal(run.result, {"fetched": n, "parsed": n, "stored": n}, call=call)
        for service, want, workers in (
            (site.fetch, min(fetchers, n), f"fetchers={fetchers}"),
            (site.parse, min(parsers, n), f"parsers={parsers}"),
            (site.store, 1, "a single store worker"),
        ):
            got = service.max_in_flight
            if got != want:
                more = got > want
                expect.fail(
                    expect.timeline(service)
                    + f"\nin {call}, {service.name} had at most {got} calls in flight at once; "
                    f"with {workers} and {n} urls it should reach {want}"
                    + (", and never more." if more else ".")
                    + ("" if more else " Some workers sat idle while work was waiting."),
                    hint=STAGES,
                )
        expect.elapsed(
            run,
            makespan(reference_schedule(plan, urls, fetchers, parsers)),
            what=call,
            services=site.services,
            hint=OVERLAP,
        )
        expect.nothing_left_running(*site.services)


async def _error_stops_everything(kata, stage, url, exc):
    site = Site(errors={(stage, url): exc})
    service = {"fetch": site.fetch, "parse": site.parse, "store": site.store}[stage]
    key = {"fetch": url, "parse": f"page:{url}", "store": f"record:{url}"}[stage]
    call = call_text(URLS, 2, 2) + f" where {stage}({key!r}) raises {type(exc).__name__}"
    loop = asyncio.get_running_loop()
    start = loop.time()
    err = await raises_within(
        type(exc),
        site.run(kata, URLS, 2, 2),
        call=call,
        hint="don't catch the error in the worker: let it end the pipeline "
        "(as itself, or in the ExceptionGroup a TaskGroup raises).",
        stuck="the error ended one worker, but the rest of the pipeline went on waiting "
        "for it (a `queue.join()` never returns once a worker has died).\nhint: " + STOP_ALL,
    )
    expect.true(err is exc, f"{call} raised a different {type(exc).__name__}: {err!r}")
    ended = loop.time() - start
    (failed,) = [c for c in service.calls if c.key == key]
    t = failed.end
    calls = [c for s in site.services for c in s.calls if c is not failed]
    # Judged on the learner's own run: whatever was in flight when the error came out
    # must have been cancelled, and nothing may start afterwards.
    for c in calls:
        if c.start <= t and (c.end is None or c.end > t) and c.outcome != "cancelled":
            outcome = "was still running" if c.outcome == "running" else "was left to finish"
            expect.fail(
                expect.timeline(*site.services)
                + f"\n{c.label} was in flight when {stage}({key!r}) failed at {t:g}s, and it "
                f"{outcome}; it should have been cancelled.",
                hint=STOP_ALL,
            )
    late = [c.label for c in calls if c.start > t]
    expect.true(
        not late,
        expect.timeline(*site.services)
        + f"\nafter {stage}({key!r}) failed at {t:g}s, {', '.join(late)} still started; no "
        "stage should take new work once the pipeline has failed.",
        hint=STOP_ALL,
    )
    expect.elapsed(
        ended,
        t,
        what=call,
        why=f"the error at {t:g}s ends the pipeline at once",
        services=site.services,
        hint=STOP_ALL,
    )
    expect.nothing_left_running(*site.services, hint=STOP_ALL)


@pytest.mark.points(2)
@pytest.mark.limits(virtual=120)
async def test_fetch_error_stops_every_stage(kata):
    await _error_stops_everything(kata, "fetch", "h", ConnectionError("fetch('h') failed"))


@pytest.mark.points(1)
@pytest.mark.limits(virtual=120)
async def test_parse_error_stops_every_stage(kata):
    await _error_stops_everything(kata, "parse", "a", ValueError("page:a is not valid"))


@pytest.mark.points(1)
@pytest.mark.limits(virtual=120)
async def test_store_error_stops_every_stage(kata):
    await _error_stops_everything(kata, "store", "c", PermissionError("store is read-only"))


@pytest.mark.points(1)
async def test_no_urls(kata):
    site = Site()
    run = await expect.timed(site.run(kata, [], 2, 2))
    expect.equal(
        run.result,
        {"fetched": 0, "parsed": 0, "stored": 0},
        call=call_text([], 2, 2),
        hint="with no urls every stage has nothing to do: return zero counts at once.",
    )
    expect.elapsed(run, 0.0, what=call_text([], 2, 2), why="there is nothing to wait for")
    for service in site.services:
        expect.call_count(service, 0)
    expect.nothing_left_running(
        *site.services, hint="stop the workers (cancel them and await them) before returning."
    )


@pytest.mark.points(1)
@pytest.mark.limits(virtual=120)
async def test_fewer_than_one_worker_is_rejected(kata):
    hint = "check both counts first: `if fetchers < 1 or parsers < 1: raise ValueError(...)`."
    for fetchers, parsers in ((0, 2), (2, 0), (-1, 1)):
        site = Site()
        await raises_within(
            ValueError,
            site.run(kata, ["a", "b"], fetchers, parsers),
            call=call_text(["a", "b"], fetchers, parsers),
            hint=hint,
            stuck="with no worker in a stage, nothing ever moves.\nhint: " + hint,
        )
        for service in site.services:
            expect.call_count(service, 0, hint="reject bad worker counts before doing any work.")
        expect.nothing_left_running(*site.services)
