import asyncio
import heapq

import pytest

from graders import FakeService, cancelling, expect

# asyncio.QueueShutDown exists from Python 3.13 on; the engine skips this kata before,
# but this file must still import there.
QueueShutDown = getattr(asyncio, "QueueShutDown", None)

SHUTDOWN = (
    "wait for the event (`await stop.wait()`), then call `queue.shutdown(immediate=immediate)`: "
    "from then on `put` raises QueueShutDown, and `get` raises it once there is nothing "
    "more to hand out. A worker loops on `await queue.get()` and returns when that "
    "raises QueueShutDown."
)
FINALLY_SHUTDOWN = (
    "shut the queue down whatever way run_service ends: "
    "`try: ... finally: queue.shutdown(immediate=True)` around the workers, so "
    "producers are not left putting jobs nobody will ever take."
)


def jobs(n, delay=1.0):
    return [f"j{i}" for i in range(n)], FakeService("handler", delays=delay)


def filled(items):
    queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    return queue


def call_text(workers, immediate, stop_at=None):
    when = f", with stop set at {stop_at:g}s" if stop_at is not None else ""
    return f"run_service(queue, handler, {workers}, stop=stop, immediate={immediate}){when}"


def stop_at(delay):
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(delay, stop.set)
    return stop


async def put_at(queue, delay, item):
    """Try `await queue.put(item)` after `delay`; return what happened."""
    await asyncio.sleep(delay)
    try:
        await queue.put(item)
    except QueueShutDown:
        return "QueueShutDown"
    return "accepted"


def expect_shut_down(queue, *, when, hint):
    try:
        queue.put_nowait("after")
    except QueueShutDown:
        return
    expect.fail(
        f"{when}, queue.put_nowait('after') was accepted: the queue was never shut down.",
        hint,
    )


def greedy_makespan(delays, workers):
    free = [0.0] * min(workers, len(delays))
    for delay in delays:
        heapq.heappush(free, heapq.heappop(free) + delay)
    return max(free, default=0.0)


@pytest.mark.points(2)
async def test_serves_jobs_until_stop_is_set(kata):
    queue = asyncio.Queue()
    handler = FakeService("handler", delays=0.5)
    stop = stop_at(8.0)
    feeds = [
        asyncio.create_task(put_at(queue, t, job)) for t, job in ((1, "j0"), (2, "j1"), (6, "j2"))
    ]
    call = call_text(2, False, 8) + ", jobs put at 1s, 2s and 6s"
    run = await expect.timed(kata.run_service(queue, handler, 2, stop=stop, immediate=False))
    await asyncio.gather(*feeds)
    expect.equal(run.result, 3, call=call, hint="return how many jobs the handler finished.")
    starts = [(c.key, c.start - run.start) for c in handler.calls]
    expect.equal(
        starts,
        [("j0", 1.0), ("j1", 2.0), ("j2", 6.0)],
        call=call + ", then the (job, start time) of each handler call,",
        hint="keep the workers waiting on `await queue.get()`: an empty queue does not "
        "mean the work is over, only `stop` says that. " + SHUTDOWN,
    )
    expect.elapsed(
        run,
        8.0,
        what=call,
        why="the service runs until stop is set",
        services=[handler],
        hint=SHUTDOWN,
    )
    expect.nothing_left_running(handler)


@pytest.mark.points(3)
async def test_graceful_shutdown_drains_the_queue(kata):
    names, handler = jobs(10)
    queue = filled(names)
    stop = stop_at(2.5)
    late = asyncio.create_task(put_at(queue, 3.0, "late"))
    call = call_text(2, False, 2.5) + ", 10 jobs of 1s queued"
    run = await expect.timed(kata.run_service(queue, handler, 2, stop=stop, immediate=False))
    got_late = await late
    expect.equal(
        got_late,
        "QueueShutDown",
        call="queue.put('late') at 3s, after stop was set,",
        hint="shut the queue down as soon as stop is set, not once the work is done: " + SHUTDOWN,
    )
    expect.equal(
        run.result,
        10,
        call=call,
        hint="a graceful shutdown (immediate=False) still hands out every job "
        "already queued: the workers keep calling get() until it raises.",
    )
    expect.equal(
        sorted(c.key for c in handler.calls),
        sorted(names),
        call=call + ", then the jobs handled, sorted,",
    )
    expect.not_cancelled(handler, names, hint="jobs in progress must be allowed to finish.")
    expect.elapsed(
        run,
        5.0,
        what=call,
        why="the 10 queued jobs, two at a time",
        services=[handler],
        hint=SHUTDOWN,
    )
    expect.nothing_left_running(handler)


@pytest.mark.points(3)
async def test_immediate_shutdown_drops_queued_jobs(kata):
    names, handler = jobs(10)
    queue = filled(names)
    stop = stop_at(2.5)
    late = asyncio.create_task(put_at(queue, 3.0, "late"))
    call = call_text(2, True, 2.5) + ", 10 jobs of 1s queued"
    run = await expect.timed(kata.run_service(queue, handler, 2, stop=stop, immediate=True))
    got_late = await late
    expect.equal(
        got_late,
        "QueueShutDown",
        call="queue.put('late') at 3s, after stop was set,",
        hint=SHUTDOWN,
    )
    handled = sorted(c.key for c in handler.calls)
    expect.equal(
        handled,
        names[:6],
        call=call + ", then the jobs handled, sorted,",
        hint="`queue.shutdown(immediate=True)` empties the queue: the jobs not yet taken "
        "are dropped, and the workers' next get() raises QueueShutDown.",
    )
    expect.not_cancelled(
        handler,
        ["j4", "j5"],
        hint="immediate drops the jobs still waiting in the queue, but the two in progress "
        "at 2.5s must be allowed to finish: shut the queue down, don't cancel the workers.",
    )
    expect.equal(run.result, 6, call=call, hint="count the jobs the handler finished.")
    expect.elapsed(
        run,
        3.0,
        what=call,
        why="the two jobs in progress at 2.5s end at 3s",
        services=[handler],
        hint=SHUTDOWN,
    )
    expect.nothing_left_running(handler)


@pytest.mark.points(2)
async def test_workers_share_the_queue(kata):
    delays = {"a": 2.0, "b": 1.0, "c": 1.5, "d": 0.5, "e": 1.0, "f": 2.5, "g": 0.5}
    for workers in (3, 1, 10):
        names = list(delays)
        handler = FakeService("handler", delays=delays)
        queue = filled(names)
        stop = asyncio.Event()
        stop.set()
        call = call_text(workers, False) + f", stop already set, jobs {names} queued"
        run = await expect.timed(
            kata.run_service(queue, handler, workers, stop=stop, immediate=False)
        )
        expect.equal(
            run.result,
            len(names),
            call=call,
            hint="stop was set before the call, but a graceful shutdown (immediate=False) "
            "still hands out every job already queued: let the workers drain it.",
        )
        want = min(workers, len(names))
        if handler.max_in_flight != want:
            expect.fail(
                expect.timeline(handler)
                + f"\n{call}: at most {handler.max_in_flight} handler calls ran at once; "
                f"with {workers} workers and {len(names)} jobs there should be {want}.",
                hint="start exactly `workers` worker tasks, each taking one job at a time.",
            )
        expect.elapsed(
            run,
            greedy_makespan(list(delays.values()), workers),
            what=call,
            why="a free worker takes the next job at once",
            services=[handler],
            hint="each worker loops: take a job, handle it, take the next.",
        )
        expect.nothing_left_running(handler)


@pytest.mark.points(1)
async def test_every_job_taken_is_marked_done(kata):
    for immediate in (False, True):
        names, handler = jobs(6)
        queue = filled(names)
        stop = stop_at(1.5)
        joiner = asyncio.create_task(queue.join())
        call = call_text(2, immediate, 1.5) + ", 6 jobs of 1s queued"
        await kata.run_service(queue, handler, 2, stop=stop, immediate=immediate)
        try:
            async with asyncio.timeout(10):
                await joiner
        except TimeoutError:
            expect.fail(
                f"after {call} returned, a task awaiting queue.join() was still waiting: "
                "some job taken from the queue was never marked done.",
                hint="call `queue.task_done()` once for every job you got, in a `finally:` "
                "so that it happens even when the handler fails.",
            )
        expect.nothing_left_running(handler)


@pytest.mark.points(2)
async def test_handler_error_stops_the_service(kata):
    delays = {"j0": 1.0, "j1": 2.0, "j2": 1.5, "j3": 2.0, "j4": 1.0, "j5": 1.0}
    handler = FakeService("handler", delays=delays, errors={"j2": LookupError})
    queue = filled(delays)
    stop = stop_at(30.0)
    call = call_text(3, False, 30) + " where handler('j2') raises LookupError at 1.5s"
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(20):
            await expect.raises(
                LookupError,
                kata.run_service(queue, handler, 3, stop=stop, immediate=False),
                call=call,
                allow_group=True,
                hint="don't catch the handler's error: let it end run_service (as itself, "
                "or in the ExceptionGroup a TaskGroup raises).",
            )
    except TimeoutError:
        expect.fail(
            f"{call} was still running at 20s: the error ended one worker, and the service "
            "went on without it.",
            hint="a TaskGroup holding the workers cancels the others, and stops waiting for "
            "`stop`, as soon as one worker fails.",
        )
    stop_all = (
        "when a worker fails, cancel the other workers (their jobs in progress too) and "
        "wait for them: a TaskGroup does both. " + FINALLY_SHUTDOWN
    )
    expect.cancelled(handler, ["j1", "j3"], hint=stop_all)
    expect.elapsed(
        loop.time() - start,
        1.5,
        what=call,
        why="the error ends the service at once",
        services=[handler],
        hint=stop_all,
    )
    expect_shut_down(queue, when=f"after {call}", hint=FINALLY_SHUTDOWN)
    expect.nothing_left_running(handler, hint=stop_all)


@pytest.mark.points(1)
async def test_cancelling_the_service(kata):
    names, handler = jobs(5, delay=2.0)
    queue = filled(names)
    stop = asyncio.Event()
    call = call_text(2, False)
    run = await cancelling.cancel_after(
        kata.run_service(queue, handler, 2, stop=stop, immediate=False), 1.0
    )
    cancelling.expect_cancelled(run, call=call, promptly=True)
    expect.cancelled(
        handler,
        ["j0", "j1"],
        hint="cancelling run_service must cancel its workers and the jobs they run.",
    )
    expect_shut_down(queue, when=f"after {call} was cancelled", hint=FINALLY_SHUTDOWN)
    expect.nothing_left_running(handler)


@pytest.mark.points(1)
async def test_fewer_than_one_worker_is_rejected(kata):
    for workers in (0, -2):
        names, handler = jobs(2)
        queue = filled(names)
        stop = stop_at(1.0)
        try:
            async with asyncio.timeout(10):
                await expect.raises(
                    ValueError,
                    kata.run_service(queue, handler, workers, stop=stop, immediate=False),
                    call=call_text(workers, False),
                    hint="check first: `if workers < 1: raise ValueError(...)`.",
                )
        except TimeoutError:
            expect.fail(
                f"{call_text(workers, False)} was still running at 10s instead of "
                "raising ValueError.",
                hint="check first: `if workers < 1: raise ValueError(...)`.",
            )
        expect.call_count(handler, 0)
        expect.nothing_left_running(handler)
