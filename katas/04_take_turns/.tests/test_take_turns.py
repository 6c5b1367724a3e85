import asyncio

import pytest

from graders import expect

TURNS = (
    "each task must pause after every append (`await asyncio.sleep(0)`) so the others "
    "get their turn; and every name needs its own task, started before any of them runs."
)


class TaskLog(list):
    """A list that also notes which task appended each entry, and when."""

    def __init__(self):
        super().__init__()
        self.tasks = []
        self.times = []

    def append(self, item):
        self.tasks.append(asyncio.current_task())
        self.times.append(asyncio.get_running_loop().time())
        super().append(item)


def interleaved(names, steps):
    return [(name, i) for i in range(steps) for name in names]


@pytest.mark.points(2)
async def test_three_names_take_strict_turns(kata):
    log = TaskLog()
    await kata.round_robin(["a", "b", "c"], 3, log)
    expect.equal(
        list(log),
        interleaved("abc", 3),
        call="round_robin(['a', 'b', 'c'], 3, log), then log,",
        hint=TURNS,
    )


@pytest.mark.points(1)
async def test_many_names_and_steps(kata):
    names = [f"w{i}" for i in range(7)]
    log = TaskLog()
    await kata.round_robin(names, 5, log)
    expect.equal(
        list(log), interleaved(names, 5), call="round_robin(7 names, 5, log), then log,", hint=TURNS
    )


@pytest.mark.points(1)
async def test_takes_no_virtual_time(kata):
    log = TaskLog()
    run = await expect.timed(kata.round_robin(["a", "b"], 4, log))
    expect.elapsed(
        run,
        0.0,
        what="round_robin(['a', 'b'], 4, log)",
        why="every turn is a sleep(0)",
        hint="`await asyncio.sleep(0)` yields a turn without waiting; a positive sleep waits.",
        schedule=[("task a: 4 turns", 0.0, 0.0), ("task b: 4 turns", 0.0, 0.0)],
    )


@pytest.mark.points(2)
async def test_one_task_per_name(kata):
    log = TaskLog()
    caller = asyncio.current_task()
    await kata.round_robin(["a", "b", "c"], 2, log)
    by_name = {}
    for (name, _), task in zip(log, log.tasks, strict=False):
        by_name.setdefault(name, set()).add(task)
    for name, tasks in by_name.items():
        expect.true(
            len(tasks) == 1 and caller not in tasks,
            f"{name!r}'s entries were appended by {len(tasks)} task(s)"
            + (", including the caller itself" if caller in tasks else "")
            + "; each name needs exactly one task of its own that does all its steps.",
            hint="asyncio.create_task(worker(name)) for each name, or gather(*workers).",
        )
    distinct = {next(iter(t)) for t in by_name.values()}
    expect.true(
        len(distinct) == len(by_name),
        "several names shared one task; each name needs a task of its own.",
        hint="asyncio.create_task(worker(name)) for each name.",
    )


@pytest.mark.points(2)
async def test_returns_when_all_turns_are_done(kata):
    log = TaskLog()
    await kata.round_robin(["a", "b", "c"], 3, log)
    expect.true(
        len(log) == 9,
        f"round_robin returned with {len(log)} of 9 entries in the log: it did not wait "
        "for its tasks to finish.",
        hint="await the tasks (asyncio.gather, or a TaskGroup) before returning.",
    )
    expect.nothing_left_running()


@pytest.mark.points(1)
async def test_nothing_to_do(kata):
    log = TaskLog()
    await kata.round_robin([], 3, log)
    expect.equal(list(log), [], call="round_robin([], 3, log), then log,")
    await kata.round_robin(["a", "b"], 0, log)
    expect.equal(list(log), [], call="round_robin(['a', 'b'], 0, log), then log,")
    expect.nothing_left_running()
