"""The virtual-time loop on its own: exact time, deadlocks, budgets, blocking."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest

from graders.clock import Limits, VirtualTimeLoop
from graders.errors import BusyLoop, Deadlock, RealTimeLimit, VirtualTimeLimit
from graders.watchdog import install_interrupt_handler


def run(main, **limits):
    """Run main() on a fresh VirtualTimeLoop; return (result or exception, loop)."""
    install_interrupt_handler()
    loop = VirtualTimeLoop(Limits(**limits), learner_file=__file__)
    runner = asyncio.Runner(loop_factory=lambda: loop)
    outcome = None
    try:
        with runner:
            try:
                outcome = runner.run(main())
            except Exception as exc:
                outcome = exc
    except RuntimeError:  # teardown after a limit: the loop winds down
        pass
    return outcome, loop


def test_time_jumps_to_the_next_timer_exactly():
    async def main():
        loop = asyncio.get_running_loop()
        await asyncio.gather(asyncio.sleep(1.5), asyncio.sleep(3), asyncio.sleep(0.25))
        return loop.time()

    start = time.perf_counter()
    result, _ = run(main)
    assert result == 3.0
    assert time.perf_counter() - start < 0.5


def test_serial_waits_add_up():
    async def main():
        loop = asyncio.get_running_loop()
        for _ in range(4):
            await asyncio.sleep(0.5)
        return loop.time()

    assert run(main)[0] == 2.0


def test_timeouts_fire_at_their_virtual_deadline():
    async def main():
        try:
            async with asyncio.timeout(7):
                await asyncio.Event().wait()
        except TimeoutError:
            return asyncio.get_running_loop().time()

    assert run(main)[0] == 7.0


def test_deadlock_is_reported_at_once_naming_the_waits():
    async def main():
        event = asyncio.Event()

        async def waiter():
            await event.wait()

        await asyncio.gather(waiter(), waiter())

    start = time.perf_counter()
    error, _ = run(main)
    assert isinstance(error, Deadlock)
    assert "Event.wait()" in str(error) and "test_clock.py" in str(error)
    assert time.perf_counter() - start < 1


def test_swallowed_cancellation_hits_the_virtual_budget():
    async def stubborn():
        while True:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                pass

    async def main():
        async with asyncio.timeout(2.5):
            await stubborn()

    error, _ = run(main, virtual=100)
    assert isinstance(error, VirtualTimeLimit)
    assert "CancelledError" in str(error)
    assert "cancelled 1x but still running" in str(error)


def test_busy_sleep0_loop_is_stopped():
    async def main():
        while True:
            await asyncio.sleep(0)

    error, _ = run(main, instant_steps=5_000)
    assert isinstance(error, BusyLoop)
    assert "busy loop" in str(error)


def test_threads_make_the_clock_follow_real_time():
    async def main():
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.to_thread(time.sleep, 0.1)
        return loop.time() - start

    elapsed, _ = run(main)
    assert 0.09 <= elapsed < 1.0


def test_a_raw_thread_calling_back_is_not_a_deadlock():
    async def main():
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        threading.Thread(
            target=lambda: (time.sleep(0.05), loop.call_soon_threadsafe(future.set_result, 1))
        ).start()
        return await future

    assert run(main)[0] == 1


def test_a_thread_that_wakes_the_loop_and_ends_between_two_looks_is_not_a_deadlock():
    # The race, made certain: the loop polls (nothing yet); the thread calls back and
    # ends; the loop then looks for threads that could wake it (none left). What the
    # thread wrote before it ended must still wake the loop.
    async def main():
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        waker = threading.Thread(target=lambda: loop.call_soon_threadsafe(future.set_result, 1))
        looks = loop._external_wakers

        def racing_look():
            if waker.ident is None:  # the first look only
                waker.start()
                waker.join()
            return looks()

        loop._external_wakers = racing_look
        return await future

    assert run(main)[0] == 1


def test_cpu_bound_step_is_measured_and_located():
    async def main():
        await asyncio.sleep(0)
        end = time.thread_time() + 0.1
        while time.thread_time() < end:
            pass
        await asyncio.sleep(0)

    _, loop = run(main)
    assert loop.stats.max_step_cpu >= 0.09
    assert loop.stats.blocked and loop.stats.blocked[0].where is not None
    assert loop.stats.blocked[0].where.file == __file__


def test_runaway_step_is_interrupted_at_the_real_budget():
    async def main():
        while True:
            pass

    start = time.perf_counter()
    error, _ = run(main, real=0.3)
    assert isinstance(error, RealTimeLimit)
    assert "without ever awaiting" in str(error)
    assert time.perf_counter() - start < 3


@pytest.mark.parametrize("realtime", [True])
def test_realtime_mode_uses_the_real_clock(realtime):
    loop = VirtualTimeLoop(Limits(), realtime=realtime)
    try:
        before = time.monotonic()
        assert abs(loop.time() - before) < 0.5
    finally:
        loop.close()


def test_unretrieved_task_exception_is_reported_even_if_the_error_is_kept():
    """A fake keeping the exception (as FakeService does) must not keep the failed task
    alive through the loop's own frames, or asyncio never reports it (3.12+)."""
    kept = []

    async def boom():
        await asyncio.sleep(0.1)
        try:
            raise ConnectionError("bad")
        except ConnectionError as exc:
            kept.append(exc)
            raise

    async def main():
        asyncio.create_task(boom())  # noqa: RUF006 - dropped on purpose
        await asyncio.sleep(0.2)
        gc.collect()
        await asyncio.sleep(0)

    _, loop = run(main)
    messages = [c["message"] for c in loop.stats.errors]
    assert "Task exception was never retrieved" in messages
