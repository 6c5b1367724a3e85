import asyncio
import heapq
import math
import random

import pytest

from graders import Recorder, expect

HANG = "hang"

POOL = (
    "start exactly `workers` worker tasks in __aenter__, each taking jobs from an "
    "asyncio.Queue one at a time (or hold an asyncio.Semaphore(workers) around each job)."
)
BUCKET = (
    "share one token bucket between the workers: it starts full with max(1, rate) tokens "
    "and refills at `rate` tokens a second; a worker takes a token right before each attempt "
    "starts (not earlier, when the job is queued)."
)
RETRY = (
    "run each job up to max_retries + 1 times, in the same worker, one attempt right after "
    "the other (each takes a token); if every attempt failed, the job's future gets the last error."
)
TIMEOUT = (
    "wrap each attempt in `asyncio.timeout(job_timeout)`: the attempt is cancelled after "
    "job_timeout seconds and counts as failed with TimeoutError."
)
EXIT = (
    "in __aexit__ without an error, wait until every submitted job is done "
    "(queue.join()), then cancel the idle workers and await them."
)


class Jobs(Recorder):
    """Makes jobs (zero-argument async callables) and records each attempt."""

    def __init__(self):
        super().__init__("job")
        self.attempts = {}

    def make(self, name, *plan, result=None):
        """``plan``: how each attempt goes (the last one repeats): seconds (success),
        ``(seconds, ErrorClass)`` (fails after that long) or HANG (never ends)."""
        plan = plan or (1.0,)

        async def job():
            n = self.attempts.get(name, 0)
            self.attempts[name] = n + 1
            step = plan[min(n, len(plan) - 1)]
            call = self._begin(name, f"{name} #{n + 1}")
            try:
                if step == HANG:
                    await asyncio.get_running_loop().create_future()
                seconds, error = step if isinstance(step, tuple) else (step, None)
                await asyncio.sleep(seconds)
                if error is not None:
                    raise error(f"{name} attempt {n + 1}")
            except asyncio.CancelledError:
                self._end(call, "cancelled")
                raise
            except BaseException:
                self._end(call, "raised")
                raise
            self._end(call, "ok")
            return f"{name}:done" if result is None else result

        return job

    @property
    def starts(self):
        return sorted(c.start for c in self.calls)

    def __repr__(self):
        return "<jobs>"


def check_windows(jobs, rate, *, hint=BUCKET):
    """In every window [a, b], at most max(1, rate) + rate * (b - a) attempts start."""
    capacity = max(1.0, rate)
    starts = jobs.starts
    for i, a in enumerate(starts):
        for j in range(i, len(starts)):
            b = starts[j]
            count = j - i + 1
            if count > capacity + rate * (b - a) + 1e-6:
                span = f"at {a:g}s" if b - a < 1e-9 else f"between {a:g}s and {b:g}s"
                expect.fail(
                    expect.timeline(jobs) + f"\n{count} attempts started {span}; rate={rate:g} "
                    f"allows at most {capacity:g} + {rate:g} x {b - a:g} = "
                    f"{capacity + rate * (b - a):g}.",
                    hint=hint,
                )


async def outcome(future):
    try:
        return ("ok", await future)
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise
        return ("cancelled", None)
    except NotImplementedError:
        raise
    except Exception as exc:
        return (type(exc).__name__, None)


# -- the reference schedule ----------------------------------------------------------------
def simulate(plans, *, workers, rate, max_retries, job_timeout):
    """The README's rules as a discrete-event simulation. ``plans[i]`` is job i's plan (as
    for Jobs.make). Returns ({job: outcome name}, makespan, attempt start times)."""
    capacity = max(1.0, rate)
    tokens, updated = capacity, 0.0
    queue = list(range(len(plans)))
    ready = [(0.0, w, None, 0) for w in range(workers)]  # (time, worker, job, attempt)
    heapq.heapify(ready)
    seq = workers
    results, starts, end = {}, [], 0.0
    while ready:
        now, _, job, attempt = heapq.heappop(ready)
        if job is None:
            if not queue:
                continue
            job, attempt = queue.pop(0), 0
        # take a token (requests are served in the order they are made)
        t = max(now, updated)
        tokens = min(capacity, tokens + (t - updated) * rate)
        if tokens < 1 - 1e-9:
            t += (1 - tokens) / rate
            tokens = 1.0
        tokens -= 1
        updated = t
        starts.append(t)
        plan = plans[job]
        step = plan[min(attempt, len(plan) - 1)]
        seconds, error = (
            (math.inf, "TimeoutError")
            if step == HANG
            else (step if isinstance(step, tuple) else (step, None))
        )
        if error is not None and not isinstance(error, str):
            error = error.__name__
        if job_timeout is not None and seconds > job_timeout:
            seconds, error = job_timeout, "TimeoutError"
        done = t + seconds
        end = max(end, done)
        if error is not None and attempt < max_retries:
            heapq.heappush(ready, (done, seq, job, attempt + 1))
        else:
            results[job] = error or "ok"
            heapq.heappush(ready, (done, seq, None, 0))
        seq += 1
    return results, end, starts


# -- the tests -------------------------------------------------------------------------------
@pytest.mark.points(1)
async def test_runs_jobs_and_returns_futures(kata):
    jobs = Jobs()
    runner = kata.JobRunner(workers=2, rate=10, max_retries=0, job_timeout=None)
    async with runner as entered:
        expect.true(
            entered is runner,
            f"`async with JobRunner(...) as r` gave r = {entered!r}; expected the runner itself.",
            hint="__aenter__ must `return self`.",
        )
        futures = [entered.submit(jobs.make(name)) for name in ("a", "b", "c")]
        for f in futures:
            expect.true(
                isinstance(f, asyncio.Future),
                f"submit() returned {f!r}; expected an asyncio.Future.",
                hint="`loop.create_future()`, resolved by the worker "
                "that runs the job (or the job's own Task, which is a Future).",
            )
        values = [await f for f in futures]
    expect.equal(values, ["a:done", "b:done", "c:done"], call="the futures of three jobs")
    expect.nothing_left_running(jobs)


@pytest.mark.points(2)
async def test_workers_limit_the_jobs_in_flight(kata):
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with kata.JobRunner(workers=3, rate=100, max_retries=0, job_timeout=None) as runner:
        futures = [runner.submit(jobs.make(f"j{i}", 1.0)) for i in range(10)]
        await asyncio.gather(*futures)
    expect.max_in_flight(jobs, 3, hint=POOL)
    expect.elapsed(
        loop.time() - start,
        4.0,
        what="10 one-second jobs on 3 workers",
        why="3 + 3 + 3 + 1",
        services=[jobs],
        hint=POOL,
    )
    order = [c.key for c in sorted(jobs.calls, key=lambda c: c.start)]
    expect.equal(
        order,
        [f"j{i}" for i in range(10)],
        call="the order the jobs started in",
        hint="jobs start in the order they were submitted (an asyncio.Queue is FIFO).",
    )
    expect.nothing_left_running(jobs)


@pytest.mark.points(2)
async def test_rate_limits_the_starts(kata):
    jobs = Jobs()
    async with kata.JobRunner(workers=5, rate=2, max_retries=0, job_timeout=None) as runner:
        for i in range(12):
            runner.submit(jobs.make(f"j{i}", 0.1))
    expected = [max(0.0, (k - 1) / 2) for k in range(12)]
    got = jobs.starts
    expect.true(
        len(got) == 12 and all(abs(a - b) <= 1e-6 for a, b in zip(got, expected, strict=True)),
        expect.timeline(jobs) + "\nwith rate=2 (a bucket of 2 tokens, 2 more a second), 12 quick "
        "jobs should start at "
        + ", ".join(f"{t:g}" for t in expected)
        + "s; yours started at "
        + (", ".join(f"{t:g}" for t in got) + "s." if got else "(none: no job ran)."),
        hint=BUCKET,
    )
    check_windows(jobs, 2)
    expect.nothing_left_running(jobs)


@pytest.mark.points(2)
async def test_tokens_are_taken_when_attempts_start(kata):
    # rate=1: one token at a time. Three long jobs end together at 10 s; the three queued
    # behind them must not all start at 10 s on tokens taken while they waited.
    jobs = Jobs()
    async with kata.JobRunner(workers=3, rate=1, max_retries=0, job_timeout=None) as runner:
        for name, seconds in (("long0", 10.0), ("long1", 9.0), ("long2", 8.0)):
            runner.submit(jobs.make(name, seconds))
        for i in range(3):
            runner.submit(jobs.make(f"next{i}", 1.0))
    check_windows(
        jobs,
        1,
        hint="take the token when the attempt is about to start, in the worker: "
        "a token taken while the job still waited for a worker lets several jobs start "
        "at once later. " + BUCKET,
    )
    expect.equal(
        [round(t, 6) for t in jobs.starts],
        [0.0, 1.0, 2.0, 10.0, 11.0, 12.0],
        call="the start times of the 6 jobs",
        hint=BUCKET,
    )
    expect.nothing_left_running(jobs)


@pytest.mark.points(2)
async def test_retries_then_the_last_error(kata):
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    async with kata.JobRunner(workers=2, rate=100, max_retries=2, job_timeout=None) as runner:
        flaky = runner.submit(
            jobs.make("flaky", (1.0, ConnectionError), (1.0, ConnectionError), 1.0)
        )
        broken = runner.submit(jobs.make("broken", (0.5, ValueError)))
        got = await outcome(flaky)
        expect.equal(
            got,
            ("ok", "flaky:done"),
            call="the future of a job failing twice, with max_retries=2,",
            hint=RETRY,
        )
        expect.true(
            abs(loop.time() - 3.0) <= 1e-6,
            expect.timeline(jobs) + f"\nthe flaky job finished "
            f"at {loop.time():g}s; expected 3s: each retry right after the failure.",
            hint=RETRY,
        )
        try:
            await broken
        except ValueError as exc:
            expect.equal(
                str(exc),
                "broken attempt 3",
                call="str() of the error in the future",
                hint="the future gets the error of the *last* attempt.",
            )
        except NotImplementedError:
            raise
        except BaseException as exc:
            expect.fail(
                f"the future of a job that always raises ValueError raised {exc!r}; expected "
                "the ValueError itself.",
                hint=RETRY,
            )
        else:
            expect.fail(
                "the future of a job that always raises ValueError returned a value.", hint=RETRY
            )
    expect.equal(
        jobs.attempts,
        {"flaky": 3, "broken": 3},
        call="the attempts per job (max_retries=2)",
        hint=RETRY,
    )
    expect.nothing_left_running(jobs)


@pytest.mark.points(2)
async def test_job_timeout_cancels_slow_attempts(kata):
    jobs = Jobs()
    async with kata.JobRunner(workers=3, rate=100, max_retries=1, job_timeout=2.0) as runner:
        stuck = runner.submit(jobs.make("stuck", HANG))
        slow_once = runner.submit(jobs.make("slow_once", 3.0, 1.0))
        quick = runner.submit(jobs.make("quick", 1.5))
        results = [await outcome(f) for f in (stuck, slow_once, quick)]
    expect.equal(
        results,
        [("TimeoutError", None), ("ok", "slow_once:done"), ("ok", "quick:done")],
        call="the outcomes of a hung job, a job slow once, and a 1.5 s job (job_timeout=2)",
        hint=TIMEOUT,
    )
    expect.cancelled(jobs, ["stuck"], hint=TIMEOUT)
    ends = sorted(round(c.end, 6) for c in jobs.calls_for("stuck"))
    expect.equal(
        ends, [2.0, 4.0], call="the times the hung job's two attempts were cancelled", hint=TIMEOUT
    )
    expect.nothing_left_running(jobs)


@pytest.mark.points(1)
async def test_cancelling_a_future_cancels_its_job(kata):
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    async with kata.JobRunner(workers=1, rate=100, max_retries=3, job_timeout=None) as runner:
        running = runner.submit(jobs.make("running", 10.0))
        queued = runner.submit(jobs.make("queued", 1.0))
        after = runner.submit(jobs.make("after", 1.0))
        await asyncio.sleep(1.0)
        queued.cancel()
        running.cancel()
        value = await after
    expect.equal(value, "after:done", call="the future of the job after the two cancelled ones")
    expect.cancelled(
        jobs,
        ["running"],
        hint="when a job's future is cancelled while the job runs, "
        "cancel the running attempt (a done-callback on the future can do it).",
    )
    expect.equal(
        jobs.attempts.get("running"),
        1,
        call="the attempts of the cancelled job",
        hint="a cancelled job is not a failed one: do not retry it.",
    )
    expect.true(
        "queued" not in jobs.attempts,
        "a job whose future was cancelled while it waited in the queue was run anyway.",
        hint="skip jobs whose future is already done.",
    )
    expect.elapsed(
        loop.time(),
        2.0,
        what="the three jobs",
        why="the next job starts as soon as the cancelled one has stopped, at 1s",
        services=[jobs],
    )
    expect.nothing_left_running(jobs)
    await cancel_while_waiting_for_a_token(kata)


async def cancel_while_waiting_for_a_token(kata):
    """rate=1, 2 workers, from t0: "long" takes the only token at once; "waiting" is cancelled
    at +0.5 s while its worker waits for the token due at +1 s; "flaky" fails at +1.2 s and is
    cancelled at +1.5 s while its retry waits for the token due at +2 s. Neither may start
    again, and the tokens they waited for go to the next jobs: flaky starts at +1 s, "last"
    at +2 s."""
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    async with kata.JobRunner(workers=2, rate=1, max_retries=1, job_timeout=None) as runner:
        t0 = loop.time()
        runner.submit(jobs.make("long", 5.0))
        waiting = runner.submit(jobs.make("waiting", 1.0))
        flaky = runner.submit(jobs.make("flaky", (0.2, ConnectionError), 1.0))
        last = runner.submit(jobs.make("last", 1.0))
        await asyncio.sleep(0.5)
        waiting.cancel()
        await asyncio.sleep(1.0)
        flaky.cancel()
        await outcome(last)

    def at(offset):
        return round(t0 + offset, 6)

    starts = {}
    for c in sorted(jobs.calls, key=lambda c: c.start):
        starts.setdefault(c.key, []).append(round(c.start, 6))
    told = (
        f"\n(rate=1, 2 workers: 'long' takes the only token at {at(0):g}s; 'waiting' is "
        f"cancelled at {at(0.5):g}s while its worker waits for the next token, due at "
        f"{at(1):g}s; 'flaky' fails at {at(1.2):g}s and is cancelled at {at(1.5):g}s while its "
        f"retry waits for the token due at {at(2):g}s.)"
    )
    dropped = (
        "after taking the token, check again that the job's future is not done (cancelled) "
        "before starting the attempt; if it is, drop the job and put the unused token back "
        "in the bucket."
    )
    expect.true(
        "waiting" not in starts,
        expect.timeline(jobs) + told + "\na job whose future was cancelled while its worker "
        f"waited for a token was started anyway, at {starts.get('waiting', [0])[0]:g}s.",
        hint=dropped,
    )
    retry = starts.get("flaky", [])[1:2]
    expect.true(
        not retry or retry[0] >= at(2) - 1e-6,
        expect.timeline(jobs) + told + f"\nflaky's retry started at {retry[0] if retry else 0:g}s, "
        f"before the bucket had a token for it (the next one is due at {at(2):g}s).",
        hint=BUCKET,
    )
    expect.true(
        not retry,
        expect.timeline(jobs) + told + "\na job whose future was cancelled while its retry "
        "waited for a token was retried anyway.",
        hint=dropped,
    )
    expected = {"long": [at(0)], "flaky": [at(1)], "last": [at(2)]}
    expect.true(
        starts == expected,
        expect.timeline(jobs)
        + told
        + f"\nthe attempts started at (seconds, by job) {starts}\nexpected {expected}: a "
        "dropped job uses no token, so the token its worker waited for lets the next job "
        "start at once.",
        hint=dropped,
    )


@pytest.mark.points(1)
async def test_leaving_the_block_waits_for_every_job(kata):
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    async with kata.JobRunner(workers=2, rate=100, max_retries=1, job_timeout=None) as runner:
        futures = [runner.submit(jobs.make(f"j{i}", 1.0 + i / 2)) for i in range(4)]
        futures.append(runner.submit(jobs.make("again", (1.0, OSError), 1.0)))
    expect.true(
        all(f.done() for f in futures),
        "`async with` ended while some jobs' futures were not done yet.",
        hint=EXIT,
    )
    expect.elapsed(
        loop.time(),
        5.0,
        what="leaving the block",
        why="the last job (a retry) ends at 5s",
        services=[jobs],
        hint=EXIT,
    )
    expect.nothing_left_running(
        jobs,
        hint="stop the workers once the jobs are done: cancel them and await them in __aexit__.",
    )
    try:
        runner.submit(jobs.make("late"))
    except RuntimeError:
        pass
    else:
        expect.fail(
            "submit() after the `async with` block was accepted; expected RuntimeError.",
            hint="remember that the runner is closed, and raise RuntimeError in submit.",
        )


@pytest.mark.points(1)
async def test_an_error_in_the_block_cancels_the_jobs(kata):
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    futures = []
    try:
        async with kata.JobRunner(workers=2, rate=100, max_retries=1, job_timeout=None) as runner:
            futures = [runner.submit(jobs.make(f"j{i}", 5.0)) for i in range(4)]
            await asyncio.sleep(1.0)
            raise LookupError("the caller failed")
    except LookupError:
        pass
    except NotImplementedError:
        raise
    except BaseException as exc:
        expect.fail(
            f"leaving the block with LookupError ended with {exc!r}; the LookupError must "
            "propagate unchanged.",
            hint="__aexit__ returns False (or None).",
        )
    else:
        expect.fail(
            "the LookupError raised inside the block was swallowed.",
            hint="__aexit__ returns False (or None), so the error propagates.",
        )
    expect.elapsed(
        loop.time(),
        1.0,
        what="leaving the block with an error",
        why="running jobs are cancelled, not awaited",
        services=[jobs],
        hint="on an error, cancel the workers "
        "(and with them the running jobs) instead of waiting for the jobs.",
    )
    expect.cancelled(jobs, ["j0", "j1"], hint="cancel the running jobs when the block fails.")
    expect.true(
        len(jobs.calls) == 2,
        f"{len(jobs.calls)} jobs ran; only j0 and j1 had started when "
        "the block failed: the queued ones must never start.",
    )
    expect.true(
        all(f.cancelled() for f in futures),
        "after the block failed, some futures were not "
        "cancelled: "
        + ", ".join(
            f"j{i}: {'cancelled' if f.cancelled() else 'done' if f.done() else 'pending'}"
            for i, f in enumerate(futures)
        ),
        hint="cancel the future of every job that will never finish.",
    )
    expect.nothing_left_running(jobs)


def seeded_plans(seed=44, n=30):
    rng = random.Random(seed)
    plans = []
    for _ in range(n):
        seconds = round(rng.uniform(0.5, 3.0), 6)
        roll = rng.random()
        if roll < 0.15:
            plans.append(((seconds, ConnectionError), round(rng.uniform(0.5, 3.0), 6)))
        elif roll < 0.2:
            plans.append(((seconds, ValueError),))
        else:
            plans.append((seconds,))
    plans[4] = (HANG, 1.0)
    plans[9] = (6.0,)
    return plans


@pytest.mark.points(3)
async def test_seeded_batch_exact_time(kata):
    plans = seeded_plans()
    kwargs = dict(workers=3, rate=2, max_retries=1, job_timeout=4.0)
    expected, makespan, _ = simulate(plans, **kwargs)
    jobs = Jobs()
    loop = asyncio.get_running_loop()
    async with kata.JobRunner(**kwargs) as runner:
        futures = [runner.submit(jobs.make(f"j{i}", *plan)) for i, plan in enumerate(plans)]
    took = loop.time()
    got = {}
    for i, f in enumerate(futures):
        if f.cancelled():
            got[i] = "cancelled"
        elif f.exception() is not None:
            got[i] = type(f.exception()).__name__
        else:
            got[i] = "ok"
    wrong = [
        f"j{i}: {got[i]} (expected {expected[i]})" for i in expected if got.get(i) != expected[i]
    ]
    expect.true(
        not wrong,
        "30 seeded jobs (workers=3, rate=2, max_retries=1, job_timeout=4) ended "
        "wrongly: " + "; ".join(wrong[:6]),
        hint=RETRY,
    )
    expect.max_in_flight(jobs, 3, hint=POOL)
    check_windows(jobs, 2)
    expect.elapsed(
        took,
        makespan,
        what="30 seeded jobs",
        why="the README's rules, simulated",
        services=[jobs],
        hint="start each attempt as soon as a worker and a token are "
        "both free; retry in the same worker at once.",
    )
    expect.nothing_left_running(jobs)
