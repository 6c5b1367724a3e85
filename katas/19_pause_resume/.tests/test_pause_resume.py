import asyncio

import pytest

from graders import expect

EVENT = (
    "let waiting workers sleep on something resume() wakes: an asyncio.Event that "
    "pause() clears, resume() sets, and checkpoint() awaits with `await event.wait()`."
)
WAKE_ALL = (
    "resume() must let every waiting worker through, not just one: Event.set() wakes all "
    "waiters (with a Condition, use notify_all())."
)


PROMPT = (
    "a waiting worker must go on the moment resume() is called, not at its next look at "
    "the valve: sleep on an asyncio.Event (or a Condition) instead of polling."
)


def now():
    return asyncio.get_running_loop().time()


def stamp():
    """The virtual time, rounded to the microsecond (timers due together may read a hair
    early)."""
    return round(now(), 6)


async def at(t):
    """Sleep until virtual time t."""
    await asyncio.sleep(max(0.0, t - now()))


async def finish(tasks, *, within, stuck):
    """Wait for `tasks` up to `within` seconds; fail with `stuck(names)` if some never end.

    A NotImplementedError from the learner's code is raised as is (the stub)."""
    _, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    errors = [t.exception() for t in tasks if not t.cancelled() and t not in pending]
    for error in errors:
        if isinstance(error, NotImplementedError):
            raise error
    for error in errors:
        if error is not None:
            raise error
    if pending:
        expect.fail(stuck(sorted(t.get_name() for t in pending)), hint=WAKE_ALL)


async def worker(valve, name, durations, log):
    """Pass the checkpoint before each job; note (start time, name) of every job."""
    for duration in durations:
        await valve.checkpoint()
        log.append((stamp(), name))
        await asyncio.sleep(duration)


def schedule(durations, windows):
    """When each job of a worker starts, if it waits out every pause window it meets."""
    t, starts = 0.0, []
    for duration in durations:
        for pause, resume in windows:
            if pause <= t < resume:
                t = resume
        starts.append(t)
        t += duration
    return starts


@pytest.mark.points(1)
async def test_starts_open(kata):
    valve = kata.Valve()
    try:
        async with asyncio.timeout(10):
            run = await expect.timed(valve.checkpoint())
    except TimeoutError:
        expect.fail(
            "checkpoint() on a new valve was still waiting after 10s; a new valve is open, "
            "so checkpoint() must return at once.",
            hint="create the Event and set() it in __init__.",
        )
    expect.elapsed(run, 0.0, what="checkpoint() on a new valve", why="it starts open")
    valve.pause()
    valve.resume()
    run = await expect.timed(valve.checkpoint())
    expect.elapsed(run, 0.0, what="checkpoint() after pause() then resume()", why="it is open")


@pytest.mark.points(2)
async def test_every_waiting_worker_goes_on_at_resume(kata):
    valve = kata.Valve()
    valve.pause()
    log = []
    tasks = [
        asyncio.create_task(worker(valve, name, [1.0], log), name=name)
        for name in ("w1", "w2", "w3")
    ]
    await at(3.0)
    expect.true(
        not log,
        f"while the valve was paused, {', '.join(n for _, n in log)} started a job: "
        "checkpoint() must wait while the valve is paused.",
        hint=EVENT,
    )
    valve.resume()
    late = asyncio.create_task(worker(valve, "w4", [1.0], log), name="w4")
    await finish(
        [*tasks, late],
        within=60,
        stuck=lambda names: (
            f"the valve was resumed at 3s, but {', '.join(names)} were still "
            "waiting at checkpoint() 60s later."
        ),
    )
    expect.equal(
        sorted(log),
        [(3.0, "w1"), (3.0, "w2"), (3.0, "w3"), (3.0, "w4")],
        call="three workers waiting on a paused valve, resumed at 3s (and a fourth arriving "
        "after resume): the (start time, worker) of their jobs",
        hint=PROMPT,
    )


@pytest.mark.points(3)
async def test_no_job_starts_inside_a_pause_window(kata):
    windows = [(2.5, 6.0), (8.5, 9.25)]
    jobs = {"A": [1.0] * 7, "B": [0.75] * 9}
    valve = kata.Valve()
    log = []
    start = now()
    tasks = [
        asyncio.create_task(worker(valve, name, durations, log), name=name)
        for name, durations in jobs.items()
    ]
    for pause, resume in windows:
        await at(pause)
        valve.pause()
        await at(resume)
        valve.resume()
    await finish(
        tasks,
        within=60,
        stuck=lambda names: (
            f"{', '.join(names)} never got past checkpoint() after the last resume()."
        ),
    )
    took = now() - start
    for t, name in log:
        for pause, resume in windows:
            if pause <= t < resume:
                expect.fail(
                    f"worker {name} started a job at {t:g}s, while the valve was paused "
                    f"(from {pause:g}s to {resume:g}s).",
                    hint="checkpoint() must wait while the valve is paused.",
                )
    for name, durations in jobs.items():
        want = schedule(durations, windows)
        got = [t for t, n in log if n == name]
        expect.equal(
            got,
            want,
            call=f"worker {name} (jobs of {durations[0]:g}s, checkpoint() before each; valve "
            "paused 2.5s-6s and 8.5s-9.25s): the start times of its jobs",
            hint="a job already running when pause() comes finishes normally; the worker then "
            "waits at its next checkpoint() and goes on the moment resume() is called.",
        )
    work = max(sum(d) for d in jobs.values())
    expect.elapsed(
        took,
        10.25,
        what="the two workers",
        why=f"{work:g}s of work for the slower worker plus the time it waited at the valve",
    )


@pytest.mark.points(2)
async def test_waiting_workers_do_not_poll(kata):
    loop = asyncio.get_running_loop()
    valve = kata.Valve()
    valve.pause()
    log = []
    tasks = [
        asyncio.create_task(worker(valve, name, [1.0], log), name=name)
        for name in ("w1", "w2", "w3")
    ]
    await at(1.0)  # the workers are waiting at the valve by now
    before = loop.stats.steps
    await at(21.0)
    woken = loop.stats.steps - before - 1  # minus this test's own timer
    expect.true(
        woken <= 6,
        f"while the valve stayed paused for 20s, with 3 workers waiting at checkpoint(), "
        f"the event loop ran {woken} steps: the waiting workers kept waking up to look at "
        "the valve (busy-waiting, or polling with a sleep). A waiting worker should not "
        "run at all until resume() wakes it.",
        hint=EVENT,
    )
    valve.resume()
    await finish(
        tasks,
        within=60,
        stuck=lambda names: f"{', '.join(names)} never got past checkpoint() after resume().",
    )
    expect.equal(
        sorted(log),
        [(21.0, "w1"), (21.0, "w2"), (21.0, "w3")],
        call="the (start time, worker) of jobs resumed at 21s",
        hint=PROMPT,
    )


@pytest.mark.points(1)
async def test_pause_and_resume_are_switches_not_counters(kata):
    valve = kata.Valve()
    valve.pause()
    valve.pause()
    valve.resume()
    try:
        async with asyncio.timeout(10):
            run = await expect.timed(valve.checkpoint())
    except TimeoutError:
        run = None
    expect.true(
        run is not None and run.elapsed == 0.0,
        "after pause(), pause(), resume(), checkpoint() waited; one resume() opens the "
        "valve however many times it was paused.",
        hint="keep one open/closed state, not a count of pauses.",
    )
    valve.resume()
    valve.resume()
    valve.pause()
    log = []
    task = asyncio.create_task(worker(valve, "w", [1.0], log), name="w")
    await at(2.0)
    expect.true(
        not log,
        "after resume(), resume(), pause(), a worker passed checkpoint(): one pause() "
        "closes the valve however many times it was resumed.",
        hint="keep one open/closed state, not a count of resumes.",
    )
    valve.resume()
    await finish([task], within=10, stuck=lambda names: "the worker never went on after resume().")


@pytest.mark.points(1)
async def test_a_cancelled_waiter_does_not_break_the_valve(kata):
    valve = kata.Valve()
    valve.pause()
    log = []
    quitter = asyncio.create_task(worker(valve, "quitter", [1.0], log), name="quitter")
    stayer = asyncio.create_task(worker(valve, "stayer", [1.0], log), name="stayer")
    await at(1.0)
    quitter.cancel()
    await asyncio.wait([quitter])
    if not quitter.cancelled():
        error = quitter.exception()
        if isinstance(error, NotImplementedError):
            raise error
        expect.fail(
            "a worker cancelled while waiting at checkpoint() did not end cancelled"
            + (f": it raised {type(error).__name__}: {error}" if error else ": it carried on")
            + ". Cancellation must propagate out of checkpoint().",
        )
    try:
        valve.resume()
    except Exception as exc:
        if isinstance(exc, NotImplementedError):
            raise
        expect.fail(
            f"resume() raised {type(exc).__name__}: {exc} after a waiting worker had been "
            "cancelled. A cancelled waiter's future is done already: it cannot be given a "
            "result.",
            hint="skip futures that are done (`if not fut.done(): fut.set_result(None)`), or "
            "use an asyncio.Event, which takes care of it.",
        )
    await finish(
        [stayer],
        within=10,
        stuck=lambda names: (
            "after another waiter was cancelled, resume() did not let the remaining worker through."
        ),
    )
    expect.equal(log, [(1.0, "stayer")], call="the jobs started after resume() at 1s", hint=PROMPT)
