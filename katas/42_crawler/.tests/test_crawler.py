import asyncio
import heapq
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from graders import Recorder, expect

#: The kata's per-attempt limit (README: a fetch silent for 10 s counts as hung).
TIMEOUT = 10.0
HANG = "hang"

ONCE = (
    "keep a set of every url ever accepted for crawling, and add a link to it at the moment "
    "you schedule it (not when its fetch starts or ends): then a url can never be scheduled twice."
)
RETRY = (
    "try each url up to `retries + 1` times, at once, keeping its slot; on the last failure "
    "record type(error).__name__."
)
TIMEOUTS = (
    "wrap each attempt in `asyncio.timeout(FETCH_TIMEOUT)` (or asyncio.wait_for): a hung fetch "
    "is then cancelled after 10 s and counts as a failed attempt with TimeoutError."
)
FULL = (
    "a page waiting for its host's turn must not hold one of the `concurrency` slots: take the "
    "host's semaphore first and the global one second (or schedule only pages whose host has "
    "room). A pool of workers that each grab the next url and then wait for its host sits idle "
    "while other hosts' pages wait behind it."
)
BFS = (
    "crawl pages in the order they are discovered (a FIFO frontier), and take a page's links "
    "in the order it lists them; stop accepting new urls once `max_pages` are accepted."
)


class NotFound(Exception):
    """What the fake web raises for a url it does not have."""


def host(url):
    return urlsplit(url).hostname


def short(url):
    parts = urlsplit(url)
    return parts.hostname + parts.path


@dataclass
class Page:
    """A page of the fake web: answers after ``delay`` seconds with its ``links``.

    ``script`` says how its first attempts go (an exception class, or HANG: never
    answers); attempts after the script go as ``then`` (None: success)."""

    delay: float = 1.0
    links: list = field(default_factory=list)
    script: tuple = ()
    then: object = None

    def outcome(self, attempt):
        return self.script[attempt] if attempt < len(self.script) else self.then


class FakeWeb(Recorder):
    """``await web(url)`` -> the page's links, after its delay; records every attempt,
    and the most attempts in flight at once per host."""

    def __init__(self, pages):
        super().__init__("fetch")
        self.pages = pages
        self.attempts = Counter()
        self.host_in_flight = Counter()
        self.host_max = Counter()

    async def __call__(self, url):
        attempt = self.attempts[url]
        self.attempts[url] += 1
        site = host(url)
        call = self._begin(url, f"fetch({short(url)})")
        self.host_in_flight[site] += 1
        self.host_max[site] = max(self.host_max[site], self.host_in_flight[site])
        try:
            page = self.pages.get(url)
            if page is None:
                await asyncio.sleep(1.0)
                raise NotFound(url)
            outcome = page.outcome(attempt)
            if outcome == HANG:
                await asyncio.get_running_loop().create_future()
            await asyncio.sleep(page.delay)
            if outcome is not None:
                raise outcome(url)
        except asyncio.CancelledError:
            self._end(call, "cancelled")
            raise
        except BaseException:
            self._end(call, "raised")  # (the error itself is not kept)
            raise
        finally:
            self.host_in_flight[site] -= 1
        self._end(call, "ok")
        return list(page.links)

    def __repr__(self):
        return "<fake web>"


def site(spec):
    """Pages from a compact spec: {"a.test/1": (delay, ["a.test/2", ...]), ...}."""
    pages = {}
    for name, value in spec.items():
        page = value if isinstance(value, Page) else Page(value[0], value[1])
        page = Page(page.delay, [f"http://{link}" for link in page.links], page.script, page.then)
        pages[f"http://{name}"] = page
    return pages


def expect_each_url_once(web, retries, hint=ONCE):
    """No url crawled twice: no attempt after a successful one, no two attempts of one url
    at once, and at most retries + 1 attempts."""
    for url in web.attempts:
        calls = web.calls_for(url)
        problem = None
        if len(calls) > retries + 1:
            problem = (
                f"was fetched {len(calls)} times (retries={retries} allows {retries + 1} attempts)"
            )
        for i, call in enumerate(calls):
            for earlier in calls[:i]:
                if (
                    earlier.outcome == "ok"
                    and earlier.end is not None
                    and call.start >= earlier.end - 1e-9
                ):
                    problem = "was fetched again after it had been fetched successfully"
                elif earlier.end is None or call.start < earlier.end - 1e-9:
                    problem = "was fetched twice at the same time"
        if problem:
            expect.fail(
                expect.timeline(web) + f"\n{short(url)} {problem}; every url must be crawled once "
                "(its retries aside).",
                hint=hint,
            )


def expect_results(got, expected, call, hint=None):
    expected = {u: s for u, s in expected.items()}
    if got == expected:
        return
    if not isinstance(got, dict):
        expect.fail(f"{call} returned {got!r}; expected a dict {{url: 'ok' or an error name}}.")
    missing = [short(u) for u in expected if u not in got]
    extra = [short(u) for u in got if u not in expected]
    wrong = [
        f"{short(u)}: {got[u]!r} (expected {expected[u]!r})"
        for u in expected
        if u in got and got[u] != expected[u]
    ]
    lines = []
    if missing:
        lines.append(f"missing: {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}")
    if extra:
        lines.append(f"not expected: {', '.join(extra[:8])}{' ...' if len(extra) > 8 else ''}")
    if wrong:
        lines.append("wrong: " + "; ".join(wrong[:5]))
    expect.fail(f"{call} returned a wrong result:\n  " + "\n  ".join(lines), hint)


# -- the reference schedule ----------------------------------------------------------------
def simulate(pages, root, *, max_pages, concurrency, per_host, retries):
    """The schedule the README describes, as a discrete-event simulation: a FIFO frontier;
    whenever a slot is free, the first page in the frontier whose host has room starts;
    a failed attempt is retried at once in the same slot. Returns (results, makespan)."""
    frontier = deque([root])
    seen = {root}
    results = {}
    attempts = Counter()
    busy_hosts = Counter()
    running = []  # heap of (end, seq, url, error or None)
    seq = 0
    now = 0.0

    def duration(url):
        page = pages.get(url)
        if page is None:
            return 1.0, "NotFound"
        outcome = page.outcome(attempts[url])
        if outcome == HANG or page.delay > TIMEOUT:
            return TIMEOUT, "TimeoutError"
        return page.delay, (None if outcome is None else outcome.__name__)

    def start(url):
        nonlocal seq
        took, error = duration(url)
        attempts[url] += 1
        heapq.heappush(running, (now + took, seq, url, error))
        seq += 1

    while frontier or running:
        for url in list(frontier):
            if len(running) >= concurrency:
                break
            if busy_hosts[host(url)] < per_host:
                frontier.remove(url)
                busy_hosts[host(url)] += 1
                start(url)
        now, _, url, error = heapq.heappop(running)
        if error is not None and attempts[url] <= retries:
            start(url)
            continue
        busy_hosts[host(url)] -= 1
        results[url] = "ok" if error is None else error
        if error is None:
            for link in pages[url].links:
                if link not in seen and len(seen) < max_pages:
                    seen.add(link)
                    frontier.append(link)
    return results, now


def random_web(seed, *, pages=40, hosts=("big.test", "a.test", "b.test", "c.test", "d.test")):
    """A seeded web: the first host holds about 20% of the pages; delays are random
    (0.2-3 s), each page links to 1-3 others, a few links lead nowhere (NotFound), about
    8% of the pages fail once (ConnectionError), and page 7 hangs once."""
    rng = random.Random(seed)
    urls = []
    for n in range(pages):
        h = hosts[0] if rng.random() < 0.2 else rng.choice(hosts[1:])
        urls.append(f"http://{h}/p{n}")
    web = {}
    for n, url in enumerate(urls):
        links = rng.sample(urls[1:], rng.randint(1, 3))
        if rng.random() < 0.05:
            links.append(f"http://{rng.choice(hosts)}/missing{n}")
        script = (ConnectionError,) if rng.random() < 0.08 else ()
        web[url] = Page(round(rng.uniform(0.2, 3.0), 6), links, script)
    web[urls[7]].script = (HANG,)
    return urls[0], web


def u(name):
    return f"http://{name}"


async def crawl(kata, web, root, **kwargs):
    """Run the learner's crawl and time it (virtual seconds)."""
    return await expect.timed(kata.crawl(u(root) if "://" not in root else root, web, **kwargs))


def describe_call(root, kwargs):
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"crawl({short(u(root)) if '://' not in root else short(root)!r}, fetch, {args})"


# -- the tests -------------------------------------------------------------------------------
@pytest.mark.points(2)
async def test_small_site_each_page_once(kata):
    web = FakeWeb(
        site(
            {
                "site.test/": (1.0, ["site.test/a", "site.test/b", "site.test/a"]),
                "site.test/a": (1.0, ["site.test/", "site.test/b", "site.test/c"]),
                "site.test/b": (2.0, ["site.test/c", "site.test/a", "site.test/b"]),
                "site.test/c": (0.5, ["site.test/a", "site.test/a"]),
            }
        )
    )
    kwargs = dict(max_pages=100, concurrency=4, per_host=4, retries=0)
    run = await crawl(kata, web, "site.test/", **kwargs)
    expected = {u(p): "ok" for p in ("site.test/", "site.test/a", "site.test/b", "site.test/c")}
    expect_results(
        run.result,
        expected,
        describe_call("site.test/", kwargs),
        hint="follow every link of every page fetched successfully; the result maps each "
        "crawled url to 'ok'.",
    )
    expect_each_url_once(web, retries=0)
    expect.elapsed(
        run,
        3.0,
        what="crawling 4 pages",
        why="a and b together after the root, c as soon as a has named it",
        services=[web],
        hint="start each page's fetch as soon as it is discovered (and a slot is free), "
        "not one page after another.",
    )
    expect.nothing_left_running(web)


@pytest.mark.points(1)
async def test_errors_are_reported_by_name(kata):
    web = FakeWeb(
        site(
            {
                "err.test/": (1.0, ["err.test/fine", "err.test/denied", "err.test/ghost"]),
                "err.test/fine": (1.0, []),
                "err.test/denied": Page(0.5, ["err.test/secret"], then=PermissionError),
            }
        )
    )
    kwargs = dict(max_pages=100, concurrency=4, per_host=4, retries=0)
    run = await crawl(kata, web, "err.test/", **kwargs)
    expected = {
        u("err.test/"): "ok",
        u("err.test/fine"): "ok",
        u("err.test/denied"): "PermissionError",
        u("err.test/ghost"): "NotFound",
    }
    expect_results(
        run.result,
        expected,
        describe_call("err.test/", kwargs),
        hint="a url whose fetch failed maps to the name of its error's class: "
        "type(error).__name__; a failed page has no links to follow.",
    )
    expect.nothing_left_running(web)


@pytest.mark.points(2)
async def test_retries_flaky_pages(kata):
    for retries, x_status, tries in ((2, "ok", 3), (1, "ConnectionError", 2)):
        web = FakeWeb(
            site(
                {
                    "r.test/": (1.0, ["r.test/x", "r.test/y"]),
                    "r.test/x": Page(1.0, ["r.test/z"], script=(ConnectionError, ConnectionError)),
                    "r.test/y": Page(1.0, [], then=ConnectionError),
                    "r.test/z": (1.0, []),
                }
            )
        )
        kwargs = dict(max_pages=100, concurrency=4, per_host=4, retries=retries)
        run = await crawl(kata, web, "r.test/", **kwargs)
        expected = {u("r.test/"): "ok", u("r.test/x"): x_status, u("r.test/y"): "ConnectionError"}
        if x_status == "ok":
            expected[u("r.test/z")] = "ok"
        expect_results(
            run.result,
            expected,
            describe_call("r.test/", kwargs) + " (x fails twice, then answers; y always fails)",
            hint=RETRY,
        )
        for name in ("r.test/x", "r.test/y"):
            got = web.attempts[u(name)]
            expect.true(
                got == tries,
                expect.timeline(web) + f"\nwith retries={retries}, {name} was "
                f"fetched {got} time(s); expected {tries}.",
                hint=RETRY,
            )
        expect_each_url_once(web, retries)
        if retries == 2:
            expect.elapsed(
                run,
                5.0,
                what="the crawl with retries=2",
                why="x's three attempts one after another from 1s, then z",
                services=[web],
                hint="retry at once, in the same slot: no pause between attempts.",
            )
        expect.nothing_left_running(web)


@pytest.mark.points(2)
async def test_fills_every_slot(kata):
    names = [f"h{h}.test/{i}" for h in range(6) for i in range(2)]
    spec = {"hub.test/": (1.0, names)} | {n: (1.0, []) for n in names}
    web = FakeWeb(site(spec))
    kwargs = dict(max_pages=100, concurrency=5, per_host=2, retries=0)
    run = await crawl(kata, web, "hub.test/", **kwargs)
    expect_results(
        run.result, {u(n): "ok" for n in ["hub.test/", *names]}, describe_call("hub.test/", kwargs)
    )
    expect.max_in_flight(
        web,
        5,
        hint="keep `concurrency` fetches in flight whenever there are pages "
        "waiting (an asyncio.Semaphore(concurrency) around each fetch), never more.",
    )
    expect.elapsed(
        run,
        4.0,
        what="12 one-second pages on 6 hosts with concurrency=5",
        why="the root, then 5 + 5 + 2 pages",
        services=[web],
    )
    expect.nothing_left_running(web)


@pytest.mark.points(2)
async def test_per_host_limit_holds(kata):
    names = [f"one.test/{i}" for i in range(10)]
    web = FakeWeb(site({"one.test/": (1.0, names)} | {n: (1.0, []) for n in names}))
    kwargs = dict(max_pages=100, concurrency=8, per_host=3, retries=0)
    run = await crawl(kata, web, "one.test/", **kwargs)
    expect_results(
        run.result, {u(n): "ok" for n in ["one.test/", *names]}, describe_call("one.test/", kwargs)
    )
    most = web.host_max["one.test"]
    expect.true(
        most <= 3,
        expect.timeline(web)
        + f"\n{most} fetches to one.test were in flight at once; per_host=3 allows 3.",
        hint="one asyncio.Semaphore(per_host) per host (a defaultdict of them, keyed by "
        "urlsplit(url).hostname), held around each fetch.",
    )
    expect.elapsed(
        run,
        5.0,
        what="10 one-second pages on one host with per_host=3",
        why="the root, then 3 + 3 + 3 + 1",
        services=[web],
        hint="keep per_host fetches going on the host all the time.",
    )
    expect.nothing_left_running(web)


@pytest.mark.points(2)
async def test_a_busy_host_does_not_hold_up_the_others(kata):
    slow = [f"slow.test/{i}" for i in range(8)]
    other = [f"o{i}.test/" for i in range(4)]
    web = FakeWeb(
        site(
            {"hub.test/": (1.0, slow + other)}
            | {n: (1.0, []) for n in slow}
            | {n: (4.0, []) for n in other}
        )
    )
    kwargs = dict(max_pages=100, concurrency=6, per_host=2, retries=0)
    run = await crawl(kata, web, "hub.test/", **kwargs)
    expect_results(
        run.result,
        {u(n): "ok" for n in ["hub.test/", *slow, *other]},
        describe_call("hub.test/", kwargs),
    )
    expect.true(
        web.host_max["slow.test"] <= 2,
        f"{web.host_max['slow.test']} fetches to slow.test "
        "were in flight at once; per_host=2 allows 2.",
    )
    started = sorted(c.start for c in web.calls if host(c.key).startswith("o"))
    expect.true(
        all(abs(t - 1.0) <= 1e-6 for t in started),
        expect.timeline(web)
        + "\nthe 4 pages of other hosts started at "
        + ", ".join(f"{t:g}s" for t in started)
        + "; expected all at 1s, when the root named them: "
        "6 slots, slow.test may use 2, so 4 are free for them.",
        hint=FULL,
    )
    expect.max_in_flight(web, 6, hint=FULL)
    expect.elapsed(
        run,
        5.0,
        what="8 pages of slow.test (per_host=2) beside 4 long pages elsewhere",
        why="slow.test's 4 rounds, with the others inside them",
        services=[web],
        hint=FULL,
    )
    expect.nothing_left_running(web)


@pytest.mark.points(2)
async def test_hanging_fetch_times_out_without_stalling(kata):
    web = FakeWeb(
        site(
            {
                "h.test/": (1.0, ["hang.test/forever", "b.test/1", "b.test/2", "late.test/once"]),
                "hang.test/forever": Page(1.0, [], then=HANG),
                "late.test/once": Page(1.0, ["b.test/4"], script=(HANG,)),
                "b.test/1": (1.0, ["b.test/3"]),
                "b.test/2": (1.0, []),
                "b.test/3": (1.0, []),
                "b.test/4": (1.0, []),
            }
        )
    )
    kwargs = dict(max_pages=100, concurrency=4, per_host=4, retries=1)
    run = await crawl(kata, web, "h.test/", **kwargs)
    expected = {
        u(n): "ok"
        for n in ("h.test/", "b.test/1", "b.test/2", "b.test/3", "late.test/once", "b.test/4")
    }
    expected[u("hang.test/forever")] = "TimeoutError"
    expect_results(
        run.result,
        expected,
        describe_call("h.test/", kwargs) + " (hang.test never answers; "
        "late.test hangs once, then answers)",
        hint=TIMEOUTS,
    )
    expect.cancelled(web, [u("hang.test/forever")], hint=TIMEOUTS)
    b3 = web.calls_for(u("b.test/3"))[0]
    expect.true(
        abs(b3.end - 3.0) <= 1e-6,
        expect.timeline(web) + f"\nb.test/3 finished at {b3.end:g}s; "
        "expected 3s: a hung fetch must not hold up the pages beside it.",
        hint=TIMEOUTS,
    )
    expect.elapsed(
        run,
        21.0,
        what="the crawl",
        why="hang.test gets two attempts of 10 s each, from 1s",
        services=[web],
        hint=TIMEOUTS,
    )
    expect.nothing_left_running(web)


@pytest.mark.points(1)
async def test_max_pages_takes_the_first_discovered(kata):
    kids = [f"m.test/p{i}" for i in range(1, 6)]
    delays = {
        "m.test/p1": 3.0,
        "m.test/p2": 2.0,
        "m.test/p3": 0.5,
        "m.test/p4": 1.5,
        "m.test/p5": 2.5,
    }
    spec = {"m.test/": (1.0, kids)} | {k: (delays[k], [f"{k}/a", f"{k}/b"]) for k in kids}
    spec |= {f"{k}/{x}": (1.0, []) for k in kids for x in "ab"}
    for max_pages, extra in (
        (4, []),
        (7, ["m.test/p3/a"]),
        (9, ["m.test/p3/a", "m.test/p3/b", "m.test/p4/a"]),
    ):
        web = FakeWeb(site(spec))
        chosen = (
            ["m.test/", *kids[: max_pages - 1]] if max_pages <= 6 else ["m.test/", *kids, *extra]
        )
        kwargs = dict(max_pages=max_pages, concurrency=10, per_host=10, retries=0)
        run = await crawl(kata, web, "m.test/", **kwargs)
        expect_results(
            run.result, {u(n): "ok" for n in chosen}, describe_call("m.test/", kwargs), hint=BFS
        )
        fetched = sorted(short(c.key) for c in web.calls)
        expect.true(
            len(web.calls) == len(chosen),
            f"with max_pages={max_pages}, {len(web.calls)} urls were "
            f"fetched ({', '.join(fetched)}); fetch only the urls you crawl.",
            hint=BFS,
        )
        expect.nothing_left_running(web)


@pytest.mark.points(1)
async def test_cancelling_the_crawl_cancels_every_fetch(kata):
    pages = {"c.test/": (1.0, ["c.test/1", "d.test/2", "e.test/3"])}
    pages |= {n: (10.0, []) for n in ("c.test/1", "d.test/2", "e.test/3")}
    web = FakeWeb(site(pages))
    task = asyncio.create_task(
        kata.crawl(u("c.test/"), web, max_pages=100, concurrency=4, per_host=2, retries=2)
    )
    await asyncio.sleep(2.0)
    loop = asyncio.get_running_loop()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise
    except NotImplementedError:
        raise
    expect.true(
        loop.time() - 2.0 <= 1e-6,
        expect.timeline(web) + f"\ncrawl() was cancelled at 2s but "
        f"only ended at {loop.time():g}s: a cancelled crawl must stop at once, not retry.",
        hint="never catch CancelledError as if it were a failed attempt: `except Exception` "
        "does not catch it, `except BaseException` does.",
    )
    expect.true(
        task.cancelled(),
        "crawl() was cancelled at 2s but did not end cancelled; it must let "
        "the CancelledError propagate.",
        hint="do not catch CancelledError (except Exception "
        "does not); clean up in `finally` or use a TaskGroup.",
    )
    expect.cancelled(
        web,
        [u(n) for n in ("c.test/1", "d.test/2", "e.test/3")],
        hint="cancelling crawl must cancel every fetch in flight: a TaskGroup does it; "
        "with worker tasks, cancel and await them in a `finally`.",
    )
    expect.nothing_left_running(web)


#: The seed of the web in test_seeded_web_near_the_reference (36 pages, 4 failures).
SEED = 6


@pytest.mark.points(3)
async def test_seeded_web_near_the_reference(kata):
    root, pages = random_web(SEED)
    kwargs = dict(max_pages=1000, concurrency=10, per_host=3, retries=1)
    expected, best = simulate(pages, root, **kwargs)
    web = FakeWeb(pages)
    run = await expect.timed(kata.crawl(root, web, **kwargs))
    expect_results(
        run.result, expected, f"crawl over a seeded web of {len(expected)} pages", hint=RETRY
    )
    expect_each_url_once(web, 1)
    most = max(web.host_max.values())
    expect.true(
        most <= 3, f"{most} fetches to one host were in flight at once; per_host=3 allows 3."
    )
    expect.true(
        web.max_in_flight <= 10,
        f"{web.max_in_flight} fetches were in flight at once; concurrency=10 allows 10.",
    )
    bound = 1.05 * best
    expect.true(
        run.elapsed <= bound + 1e-6,
        expect.timeline(web) + f"\nthe crawl took {run.elapsed:g}s; the reference schedule takes "
        f"{best:g}s (yours may take up to 5% more: {bound:g}s).",
        hint="start every page as soon as it is discovered and a slot (global and per host) is free; "
        "do not wait for a whole level to finish before starting the next one.",
    )
    expect.nothing_left_running(web)
