import asyncio
import heapq
import os

import pytest

from graders import FakeService, expect

ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
POOL = (
    "start exactly `workers` tasks that each loop: take the next item from an asyncio.Queue, "
    "`await handler(item)`, store the result at the item's index, repeat until the queue is "
    "empty."
)
GREEDY = (
    "each worker should take the next item the moment it is free: one shared queue that "
    "every worker pulls from, not a fixed share of the items per worker, and not batches."
)
STOP_WORKERS = (
    "workers looping on `await queue.get()` never stop on their own: cancel them and await "
    "them before returning (or let them stop when the queue is empty, inside a TaskGroup)."
)
ON_ERROR = (
    "when a handler raises, cancel the other workers (and their handler calls), wait for "
    "them, and let the error out: a TaskGroup around the workers does exactly that."
)


def _helper(task: asyncio.Task) -> bool:
    """A task that only runs asyncio's own code, e.g. ``create_task(queue.join())``."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and os.path.dirname(code.co_filename) == ASYNCIO_DIR


class Handler(FakeService):
    """``await handler(item)``: waits the item's delay, returns ``value:<item>``. Also
    counts, at the start and end of every call, the tasks alive besides the caller
    (helper tasks running only asyncio's code, like ``queue.join()``, do not count)."""

    def __init__(self, **kwargs):
        super().__init__("handler", **kwargs)
        self.baseline = set(asyncio.all_tasks())  # the caller (the test) and the harness
        self.max_tasks = 0

    def _sample(self):
        alive = [
            t
            for t in asyncio.all_tasks()
            if t not in self.baseline and not t.done() and not _helper(t)
        ]
        self.max_tasks = max(self.max_tasks, len(alive))

    def _begin(self, key, label=None):
        self._sample()
        return super()._begin(key, label)

    def _end(self, call, outcome, error=None):
        self._sample()
        super()._end(call, outcome, error)


def greedy_makespan(delays, workers):
    """Total time when each free worker takes the next item at once (list scheduling)."""
    free_at = [0.0] * workers
    for delay in delays:
        heapq.heappush(free_at, heapq.heappop(free_at) + delay)
    return max(free_at)


def expect_task_count(handler, workers, call):
    expect.true(
        handler.max_tasks <= workers,
        f"while {call} ran, {handler.max_tasks} tasks were alive besides the caller; a pool "
        f"of {workers} workers may have at most {workers}. A task per item is not a worker "
        "pool: the point of a pool is that the number of tasks stays fixed, however many "
        "items there are.",
        hint=POOL,
    )


@pytest.mark.points(2)
async def test_results_in_input_order(kata):
    items = ["a", "b", "c", "d", "e", "a"]
    handler = Handler(delays={"a": 3.0, "b": 1.0, "c": 2.0, "d": 0.5, "e": 1.5})
    results = await kata.process_all(items, handler, 2)
    expect.equal(
        results,
        [f"value:{item}" for item in items],
        call="process_all(['a', 'b', 'c', 'd', 'e', 'a'], handler, 2)",
        hint="results follow the order of `items`, not the order handlers finish in: "
        "queue (index, item) pairs and store each result at its index.",
    )
    expect.call_count(handler, 6, hint="call the handler once per item, duplicates included.")


@pytest.mark.points(2)
async def test_calls_in_flight_match_workers(kata):
    items = [f"job{i}" for i in range(10)]
    handler = Handler(delays=1.0)
    run = await expect.timed(kata.process_all(items, handler, 3))
    expect.equal(
        run.result, [f"value:{item}" for item in items], call="process_all(10 items, handler, 3)"
    )
    expect.max_in_flight(handler, 3, hint=POOL)
    expect.elapsed(
        run,
        4.0,
        what="10 one-second items with 3 workers",
        why="3 + 3 + 3 + 1 items, one second per round",
        services=[handler],
        hint=POOL,
    )

    handler = Handler(delays=1.0)
    run = await expect.timed(kata.process_all(["x", "y"], handler, 5))
    expect.equal(run.result, ["value:x", "value:y"], call="process_all(['x', 'y'], handler, 5)")
    expect.max_in_flight(handler, 2, hint=POOL)
    expect.elapsed(
        run, 1.0, what="2 one-second items with 5 workers", services=[handler], hint=POOL
    )


@pytest.mark.points(2)
async def test_never_more_tasks_than_workers(kata):
    items = [f"job{i}" for i in range(12)]
    handler = Handler(delays=lambda item: 0.5 + int(item[3:]) % 3 / 2)
    await kata.process_all(items, handler, 3)
    expect_task_count(handler, 3, "process_all(12 items, handler, 3)")

    handler = Handler(delays=1.0)
    await kata.process_all(["x", "y"], handler, 4)
    expect_task_count(handler, 4, "process_all(['x', 'y'], handler, 4)")


@pytest.mark.points(2)
async def test_free_worker_takes_next_item(kata):
    delays = {"a": 3.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 2.0}
    handler = Handler(delays=delays)
    run = await expect.timed(kata.process_all(list(delays), handler, 2))
    expect.equal(
        run.result, [f"value:{k}" for k in delays], call="process_all(['a'..'e'], handler, 2)"
    )
    expect.elapsed(
        run,
        5.0,
        what="process_all(['a'..'e'], handler, 2)",
        why="while one worker handles a (3 s), the other does b, c and d; then e",
        services=[handler],
        hint=GREEDY,
    )

    items = [f"job{i}" for i in range(15)]
    delay = {item: 0.5 + (i * 7 % 5) / 2 for i, item in enumerate(items)}
    handler = Handler(delays=delay)
    run = await expect.timed(kata.process_all(items, handler, 3))
    expect.elapsed(
        run,
        greedy_makespan([delay[i] for i in items], 3),
        what="15 items of mixed lengths with 3 workers",
        why="each worker always busy until the queue is empty",
        services=[handler],
        hint=GREEDY,
    )


@pytest.mark.points(2)
async def test_nothing_left_running(kata):
    handler = Handler(delays={"a": 1.0, "b": 2.0, "c": 0.5, "d": 1.0, "e": 1.0})
    await kata.process_all(["a", "b", "c", "d", "e"], handler, 3)
    expect.nothing_left_running(handler, hint=STOP_WORKERS)


@pytest.mark.points(3)
async def test_first_error_cancels_the_workers(kata):
    # Worker 1 handles a, c, then d, which fails at 3 s; worker 2 is still busy with b.
    items = ["a", "b", "c", "d", "e", "f"]
    handler = Handler(delays={"b": 4.0}, errors={"d": ValueError})
    loop = asyncio.get_running_loop()
    start = loop.time()
    err = await expect.raises(
        ValueError,
        kata.process_all(items, handler, 2),
        call="process_all(['a'..'f'], handler, 2) where handler('d') raises ValueError",
        hint="let the handler's error propagate (as itself, or inside a TaskGroup's "
        "ExceptionGroup).",
        allow_group=True,
    )
    took = loop.time() - start
    expect.equal(err.args, ("d",), call="the ValueError's args")
    expect.nothing_left_running(handler, hint=ON_ERROR)
    failed = handler.calls_for("d")[0]
    late = [c for c in handler.calls if c.outcome == "ok" and c.end > failed.end]
    expect.true(
        not late,
        expect.timeline(handler)
        + "\n"
        + "".join(f"{c.label} was left to run until {c.end:g}s, " for c in late)
        + f"after handler('d') had failed at {failed.end:g}s; the calls still running when "
        "one fails must be cancelled.",
        hint=ON_ERROR,
    )
    started = [
        c
        for c in handler.calls
        if c.start > failed.end or (c.start == failed.end and c.outcome != "cancelled")
    ]
    expect.true(
        not started,
        expect.timeline(handler) + f"\nafter handler('d') failed at {failed.end:g}s, the pool "
        f"still started {', '.join(c.label for c in started)}.",
        hint=ON_ERROR,
    )
    expect.elapsed(
        took,
        failed.end - start,
        what="process_all to raise",
        why="as soon as handler('d') fails",
        services=[handler],
        hint=ON_ERROR,
    )


@pytest.mark.points(1)
async def test_cancelling_the_caller_stops_the_workers(kata):
    items = [f"job{i}" for i in range(6)]
    handler = Handler(delays=1.0)
    task = asyncio.create_task(kata.process_all(items, handler, 2))
    handler.baseline.add(task)  # the caller
    await asyncio.sleep(1.5)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except NotImplementedError:
        raise
    if not task.cancelled():
        outcome = f"it raised {task.exception()!r}" if task.exception() else "it returned a result"
        expect.fail(
            f"process_all was cancelled at 1.5s but did not end cancelled ({outcome}).",
            hint="do not catch CancelledError; if you clean up in `except` or `finally`, "
            "re-raise it.",
        )
    expect.nothing_left_running(
        handler,
        hint="when process_all is cancelled, its workers must be "
        "cancelled too (and awaited): a TaskGroup does it for you.",
    )
    expect.cancelled(
        handler,
        ["job2", "job3"],
        hint="cancelling process_all must cancel the handler calls in flight.",
    )


@pytest.mark.points(1)
async def test_no_items(kata):
    handler = Handler()
    results = await kata.process_all([], handler, 3)
    expect.equal(results, [], call="process_all([], handler, 3)", hint="no items: return [].")
    expect.call_count(handler, 0)
    expect.nothing_left_running(handler, hint=STOP_WORKERS)


@pytest.mark.points(1)
async def test_fewer_than_one_worker_is_an_error(kata):
    for workers in (0, -1):
        handler = Handler()
        call = f"process_all(['a', 'b'], handler, {workers})"
        hint = (
            "a pool needs at least one worker: check `workers < 1` first and raise "
            "ValueError (with no worker, nothing would ever take an item off the queue)."
        )
        try:
            async with asyncio.timeout(10):
                await expect.raises(
                    ValueError, kata.process_all(["a", "b"], handler, workers), call=call, hint=hint
                )
        except TimeoutError:
            expect.fail(
                f"{call} was still waiting after 10 s; expected it to raise ValueError.", hint
            )
        expect.call_count(handler, 0)
