import asyncio

import pytest

from graders import FakeService, expect

LOCK_STEP = (
    "wait for every step of a phase before starting any step of the next one: a TaskGroup "
    "(or gather) per phase, or n worker tasks meeting at an asyncio.Barrier(n) after each step."
)
SIDE_BY_SIDE = (
    "start the n steps of a phase together, then wait for all of them: create a task per "
    "worker (a TaskGroup, gather, or n long-lived worker tasks), not one await after another."
)
CLEANUP = (
    "when a step raises, cancel the steps still running and wait for them before the error "
    "leaves run_phases: a TaskGroup (per phase, or around the workers) does exactly that."
)


class Steps(FakeService):
    """``await step(worker, phase)``: waits that step's delay, records when it ran and the
    order in which steps started and ended."""

    def __init__(self, delays=1.0, errors=None):
        super().__init__("step", delays=delays, errors=errors, values=lambda key: None)
        self.log = []  # ("start" | "end", (worker, phase)), in the order it happened

    def _begin(self, key, label=None):
        self.log.append(("start", key))
        return super()._begin(key, label or f"step{key!r}")

    def _end(self, call, outcome, error=None):
        self.log.append(("end", call.key))
        super()._end(call, outcome, error)

    async def __call__(self, worker, phase):
        return await super().__call__((worker, phase))


def expect_every_step_once(step, n, phases, call):
    wanted = [(w, k) for k in range(phases) for w in range(n)]
    seen = [c.key for c in step.calls]
    missing = [key for key in wanted if key not in seen]
    twice = sorted({key for key in seen if seen.count(key) > 1})
    extra = sorted({key for key in seen if key not in wanted}, key=repr)
    problems = []
    if missing:
        problems.append("never called step" + ", step".join(map(repr, missing[:6])))
    if twice:
        problems.append("called step" + ", step".join(map(repr, twice[:6])) + " more than once")
    if extra:
        problems.append(
            "called step" + ", step".join(map(repr, extra[:6])) + ", which is not a step"
        )
    expect.true(
        not problems,
        f"{call} {'; '.join(problems)}.\nEach worker 0..n-1 runs step(worker, phase) exactly once "
        "for each phase 0..phases-1.",
        hint="worker numbers are range(n), phases are range(phases); call `step(worker, phase)` "
        "in that argument order.",
    )


def expect_lock_step(step, n):
    """No step of phase k+1 may start before every step of phase k has ended."""
    ended = {}
    for index, (event, (worker, phase)) in enumerate(step.log):
        if event == "end":
            ended[phase] = ended.get(phase, 0) + 1
            continue
        if phase > 0 and ended.get(phase - 1, 0) < n:
            call = next(c for c in step.calls if c.key == (worker, phase))
            done = {w for e, (w, k) in step.log[:index] if e == "end" and k == phase - 1}
            behind = [w for w in range(n) if w not in done]
            expect.fail(
                expect.timeline(step)
                + f"\nworker {worker} started phase {phase} at {call.start:g}s while worker(s) "
                f"{', '.join(map(str, behind))} had not finished phase {phase - 1}. No worker may "
                f"start phase {phase} before every worker has finished phase {phase - 1}.",
                LOCK_STEP,
            )


@pytest.mark.points(2)
async def test_every_worker_runs_every_phase(kata):
    step = Steps(delays=1.0)
    result = await kata.run_phases(3, 2, step)
    expect.equal(
        result,
        None,
        call="run_phases(3, 2, step)",
        hint="run_phases only runs the steps; it returns None.",
    )
    expect_every_step_once(step, 3, 2, "run_phases(3, 2, step)")
    expect.nothing_left_running(step)


@pytest.mark.points(3)
async def test_no_worker_starts_a_phase_early(kata):
    # Worker 0 is quick in phase 0; it must still wait for the slow workers 1 and 2.
    delays = {
        (0, 0): 0.5,
        (1, 0): 2.0,
        (2, 0): 1.0,
        (0, 1): 2.0,
        (1, 1): 0.5,
        (2, 1): 1.5,
        (0, 2): 1.0,
        (1, 2): 1.0,
        (2, 2): 0.5,
    }
    step = Steps(delays=delays)
    await kata.run_phases(3, 3, step)
    expect_every_step_once(step, 3, 3, "run_phases(3, 3, step)")
    expect_lock_step(step, 3)

    # Ten workers whose speeds change from phase to phase.
    step = Steps(delays=lambda key: 0.5 + ((key[0] * 7 + key[1] * 3) % 10) / 10)
    await kata.run_phases(10, 4, step)
    expect_every_step_once(step, 10, 4, "run_phases(10, 4, step)")
    expect_lock_step(step, 10)


@pytest.mark.points(2)
async def test_each_phase_takes_its_slowest_step(kata):
    # The slowest worker changes every phase: 3 + 3 + 2 = 8 seconds.
    delays = {
        (0, 0): 3.0,
        (1, 0): 1.0,
        (2, 0): 2.0,
        (0, 1): 1.0,
        (1, 1): 3.0,
        (2, 1): 1.0,
        (0, 2): 1.0,
        (1, 2): 1.0,
        (2, 2): 2.0,
    }
    step = Steps(delays=delays)
    run = await expect.timed(kata.run_phases(3, 3, step))
    expect.elapsed(
        run,
        8.0,
        what="run_phases(3, 3, step)",
        why="each phase lasts as long as its slowest step: 3 + 3 + 2",
        services=[step],
        hint=LOCK_STEP + " Within a phase, " + SIDE_BY_SIDE,
    )


@pytest.mark.points(2)
async def test_workers_run_side_by_side(kata):
    step = Steps(delays=1.0)
    run = await expect.timed(kata.run_phases(4, 2, step))
    expect.elapsed(
        run,
        2.0,
        what="run_phases(4, 2, step) with 1 s steps",
        why="two phases of four 1 s steps side by side",
        services=[step],
        hint=SIDE_BY_SIDE,
    )
    expect.max_in_flight(step, 4, hint=SIDE_BY_SIDE)


@pytest.mark.points(2)
async def test_error_stops_every_worker(kata):
    # Phase 0 goes well; in phase 1, worker 1 fails after 0.5 s while 0 and 2 still run.
    delays = {(1, 1): 0.5}
    step = Steps(delays=lambda key: delays.get(key, 1.0), errors={(1, 1): ValueError})
    run_start = asyncio.get_running_loop().time()
    err = await expect.raises(
        ValueError,
        kata.run_phases(3, 3, step),
        call="run_phases(3, 3, step) where step(1, 1) raises ValueError",
        hint="let the step's error propagate (as itself, or inside the ExceptionGroup of a "
        "TaskGroup).",
        allow_group=True,
    )
    expect.equal(err.args, ((1, 1),), call="the ValueError's args")
    took = asyncio.get_running_loop().time() - run_start
    expect.nothing_left_running(step, hint=CLEANUP)
    failed = step.calls_for((1, 1))[0]
    late = [c for c in step.calls if c.outcome == "ok" and c.end > failed.end]
    expect.true(
        not late,
        expect.timeline(step)
        + "\n"
        + "".join(f"step{c.key} was left to run until {c.end:g}s, " for c in late)
        + f"after step(1, 1) had failed at {failed.end:g}s; the steps still running when one "
        "fails must be cancelled.",
        hint=CLEANUP,
    )
    expect.elapsed(
        took,
        failed.end - run_start,
        what="run_phases to raise",
        why="as soon as step(1, 1) fails",
        services=[step],
        hint=CLEANUP,
    )
    later = [c.key for c in step.calls if c.key[1] == 2]
    expect.true(
        not later,
        f"after step(1, 1) failed, phase 2 still ran: step{later[0] if later else ''}.",
        hint="once a step has failed, no further phase may start.",
    )


@pytest.mark.points(1)
async def test_nothing_to_do(kata):
    step = Steps()
    await kata.run_phases(0, 3, step)
    expect_every_step_once(step, 0, 3, "run_phases(0, 3, step)")
    await kata.run_phases(3, 0, step)
    expect_every_step_once(step, 0, 0, "run_phases(3, 0, step)")
    expect.nothing_left_running(
        step,
        hint="with no workers or no phases there is nothing to run: "
        "return at once (note that asyncio.Barrier(0) is an error).",
    )
