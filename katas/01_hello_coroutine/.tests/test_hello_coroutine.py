import asyncio
import gc
import inspect
import warnings

import pytest

from graders import expect


@pytest.mark.points(2)
async def test_add_is_a_coroutine_returning_the_sum(kata):
    coro = kata.add(2, 3)
    expect.true(
        inspect.iscoroutine(coro),
        f"calling add(2, 3) returned {coro!r}; an `async def` function returns a coroutine.",
    )
    expect.equal(await coro, 5, call="await add(2, 3)")
    expect.equal(await kata.add(-7, 10**20), 10**20 - 7, call="await add(-7, 10**20)")


@pytest.mark.points(2)
async def test_add_gives_other_tasks_a_turn(kata):
    ran = []

    async def other():
        ran.append("other task")

    task = asyncio.create_task(other())
    loop = asyncio.get_running_loop()
    start = loop.time()
    await kata.add(1, 1)
    expect.true(
        ran == ["other task"],
        "another task was ready to run, but `add` returned without letting it: "
        "it never paused at an `await`.",
        hint="`await asyncio.sleep(0)` before returning gives the loop one turn.",
    )
    expect.elapsed(
        loop.time() - start,
        0.0,
        what="add(1, 1)",
        why="one turn of the loop, no waiting",
        hint="`asyncio.sleep(0)` yields without delay; a positive sleep makes callers wait.",
    )
    await task


@pytest.mark.points(2)
def test_add_sync_runs_the_coroutine(kata):
    expect.equal(kata.add_sync(2, 3), 5, call="add_sync(2, 3)")
    expect.equal(kata.add_sync(-4, 4), 0, call="add_sync(-4, 4)")
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()  # and no loop is left running behind it


@pytest.mark.points(1)
async def test_add_sync_refuses_to_run_inside_a_loop(kata):
    with warnings.catch_warnings():
        # asyncio.run refuses before it runs the coroutine it was given; that coroutine
        # is then dropped un-awaited, which is expected here and only here.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = kata.add_sync(1, 2)
        except NotImplementedError:
            raise  # (a RuntimeError too) the stub: "not started"
        except RuntimeError:
            result = RuntimeError
        finally:
            gc.collect()
    expect.true(
        result is RuntimeError,
        f"inside a running event loop, add_sync(1, 2) returned {result!r}; expected "
        "RuntimeError. add_sync must start its own loop with asyncio.run(), which "
        "refuses to run inside another one.",
        hint="use asyncio.run(add(a, b)); do not reuse or nest an existing loop.",
    )


@pytest.mark.points(1)
def test_nothing_is_left_unawaited(kata):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kata.add_sync(20, 22)
        gc.collect()
    unawaited = [w for w in caught if "was never awaited" in str(w.message)]
    expect.true(
        not unawaited,
        f"{unawaited[0].message if unawaited else ''}: a coroutine was created but never "
        "awaited, so its code never ran.",
        hint="every call of an async function must be awaited (or run by asyncio.run).",
    )
