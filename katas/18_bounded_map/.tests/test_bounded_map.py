import asyncio
import heapq

import pytest

from graders import FakeService, expect

WINDOW = (
    "take a slot before each call and give it back when the call ends: "
    "`sem = asyncio.Semaphore(limit)`, then one task per item doing "
    "`async with sem: return await fn(item)`."
)
SLIDING = (
    "don't wait for a whole batch to finish: the moment any call ends, the next item "
    "should start. A Semaphore does that; `for batch in ...: await gather(*batch)` does not. "
    "Nor does giving each worker a fixed share of the items up front: a worker that got "
    "the slow ones falls behind while the others sit idle."
)


def greedy_makespan(delays, limit):
    """Items start in input order, each as soon as one of `limit` slots is free."""
    slots = [0.0] * min(limit, len(delays))
    for delay in delays:
        start = heapq.heappop(slots)
        heapq.heappush(slots, start + delay)
    return max(slots, default=0.0)


def service(delays, **kw):
    """A fake `fn` whose items are the keys of `delays`, in order."""
    return FakeService("fn", delays=delays, **kw), list(delays)


def show(items):
    return "[" + ", ".join(repr(i) for i in items) + "]"


@pytest.mark.points(2)
async def test_results_in_input_order(kata):
    fn, items = service({"a": 3.0, "b": 1.0, "c": 2.5, "d": 0.5, "e": 1.0})
    values = await kata.map_bounded(fn, items, 2)
    expect.equal(
        values,
        [f"value:{i}" for i in items],
        call=f"map_bounded(fn, {show(items)}, 2)",
        hint="return results in the order of `items`, not the order calls finish in: "
        "keep the tasks in a list and read their results in that order.",
    )
    expect.call_count(fn, len(items), hint="call fn exactly once per item.")
    expect.nothing_left_running(fn)


@pytest.mark.points(3)
async def test_limit_is_respected_and_reached(kata):
    for n, limit in ((8, 3), (6, 1), (4, 10), (5, 5)):
        fn = FakeService("fn", delays=lambda i: 1.0 + (i % 3) / 4)
        items = list(range(n))
        values = await kata.map_bounded(fn, items, limit)
        expect.equal(
            values, [f"value:{i}" for i in items], call=f"map_bounded(fn, range({n}), {limit})"
        )
        want = min(limit, n)
        got = fn.max_in_flight
        if got > want:
            expect.fail(
                expect.timeline(fn) + f"\nwith limit={limit}, map_bounded over {n} items had {got} "
                f"calls of fn in flight at once; at most {want} are allowed.",
                hint=WINDOW,
            )
        if got < want:
            expect.fail(
                expect.timeline(fn) + f"\nwith limit={limit}, map_bounded over {n} items never had "
                f"more than {got} calls of fn in flight at once; it should use all "
                f"{want} slots, or it wastes time.",
                hint="start a new call whenever fewer than `limit` are running (and items remain).",
            )


@pytest.mark.points(3)
async def test_next_item_starts_as_soon_as_a_slot_frees(kata):
    for delays, limit in (
        ({"a": 3.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 1.0, "f": 1.0, "g": 2.0, "h": 1.0}, 3),
        ({"p": 1.0, "q": 4.0, "r": 1.0, "s": 1.0, "t": 1.0, "u": 1.0, "v": 1.0}, 2),
    ):
        fn, items = service(delays)
        run = await expect.timed(kata.map_bounded(fn, items, limit))
        expect.equal(
            run.result,
            [f"value:{i}" for i in items],
            call=f"map_bounded(fn, {show(items)}, {limit})",
        )
        expect.elapsed(
            run,
            greedy_makespan(list(delays.values()), limit),
            what=f"map_bounded(fn, {show(items)}, {limit})",
            why=f"a sliding window: whenever a call ends, the next item starts at once, "
            f"so {limit} calls are always running while items remain",
            services=[fn],
            hint=SLIDING,
            schedule=expect.ideal(fn, items, limit=limit, start=run.start),
        )


@pytest.mark.points(2)
async def test_first_error_cancels_the_rest_and_propagates(kata):
    fn, items = service(
        {"a": 1.0, "b": 4.0, "c": 2.0, "d": 0.5, "e": 1.0, "f": 1.0}, errors={"d": KeyError}
    )
    call = f"map_bounded(fn, {show(items)}, 3) where fn('d') raises KeyError at 1.5s"
    loop = asyncio.get_running_loop()
    start = loop.time()
    err = await expect.raises(
        KeyError,
        kata.map_bounded(fn, items, 3),
        call=call,
        hint="let the error itself propagate, not an ExceptionGroup: "
        "`except ExceptionGroup as group: raise group.exceptions[0] from None` "
        "around a TaskGroup does it.",
    )
    expect.equal(err.args, ("d",), call="the KeyError's args")
    stop = (
        "when a call fails, cancel every other task (the ones waiting for a slot too) "
        "and wait for them before raising: a TaskGroup does both."
    )
    expect.cancelled(fn, ["b", "c"], hint=stop)
    expect.nothing_left_running(fn, hint=stop)
    for c in fn.calls:
        if c.key in ("a", "d"):
            continue
        if c.outcome != "cancelled" or c.end - start > 1.5 + 1e-6:
            expect.fail(
                expect.timeline(fn) + f"\n{c.label} was started while or after fn('d') failed, "
                "and kept running: once a call has failed, map_bounded must not start "
                "anything new, and whatever is running must be cancelled at once.",
                hint=stop,
            )
    expect.elapsed(
        loop.time() - start,
        1.5,
        what=call,
        why="the error ends the map at once",
        services=[fn],
        hint=stop,
        schedule=[
            ("fn('a')", 0.0, 1.0),
            ("fn('b')", 0.0, 1.5, "cancelled"),
            ("fn('c')", 0.0, 1.5, "cancelled"),
            ("fn('d')", 1.0, 1.5, "raised"),
        ],
    )


@pytest.mark.points(1)
async def test_limit_below_one_is_rejected(kata):
    for limit in (0, -1):
        fn, items = service({"a": 1.0, "b": 1.0})
        call = f"map_bounded(fn, ['a', 'b'], {limit})"
        try:
            async with asyncio.timeout(60):
                await expect.raises(
                    ValueError,
                    kata.map_bounded(fn, items, limit),
                    call=call,
                    hint="check the limit before anything else: `if limit < 1: raise ValueError(...)`.",
                )
        except TimeoutError:
            expect.fail(
                f"{call} was still waiting after 60s: with no slot at all nothing can ever "
                "start, so it waits forever.",
                hint="check the limit before anything else: `if limit < 1: raise ValueError(...)`.",
            )
        expect.call_count(fn, 0, hint="reject a bad limit before calling fn.")
        expect.nothing_left_running(fn)


@pytest.mark.points(1)
async def test_no_items_give_an_empty_list(kata):
    fn = FakeService("fn")
    run = await expect.timed(kata.map_bounded(fn, [], 3))
    expect.equal(
        run.result, [], call="map_bounded(fn, [], 3)", hint="no items, no calls: return []."
    )
    expect.elapsed(run, 0.0, what="map_bounded(fn, [], 3)", why="there is nothing to wait for")
    expect.call_count(fn, 0)
    expect.nothing_left_running()
