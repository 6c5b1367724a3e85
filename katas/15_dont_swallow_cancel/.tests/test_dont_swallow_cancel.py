import asyncio

import pytest

from graders import Recorder, expect

PROPAGATE = (
    "do not catch CancelledError: catch `Exception` (which CancelledError is not) around "
    "the call to check, and never `except BaseException:`, a bare `except:` or "
    "`except asyncio.CancelledError:` without a bare `raise` at its end."
)
LOOP = (
    "call check first, then loop: `while True:` / `try: if await check(): return` / "
    "`except Exception: pass` / `await asyncio.sleep(interval)`."
)


class Check(Recorder):
    """``await check()`` answers ``answers(n)`` for its n-th call (0-based) after
    ``duration`` virtual seconds; an exception class or instance is raised instead."""

    def __init__(self, answers, duration=0.0):
        super().__init__("check")
        self.answers = answers
        self.duration = duration

    async def __call__(self):
        n = len(self.calls)
        call = self._begin(n, f"check() #{n + 1}")
        try:
            await asyncio.sleep(self.duration)
            answer = self.answers(n)
            if isinstance(answer, type) and issubclass(answer, BaseException):
                answer = answer(f"check #{n + 1} failed")
            if isinstance(answer, BaseException):
                raise answer
        except asyncio.CancelledError as exc:
            self._end(call, "cancelled", exc)
            raise
        except BaseException as exc:
            self._end(call, "raised", exc)
            raise
        self._end(call, "ok")
        return answer

    @property
    def starts(self):
        return [c.start for c in self.calls]

    def __repr__(self):
        return "<fake check>"


def expect_calls_at(check, times, *, what, hint=LOOP):
    got = check.starts
    same = len(got) == len(times) and all(
        abs(a - b) <= expect.TOLERANCE for a, b in zip(got, times, strict=True)
    )
    if not same:
        show = ", ".join(f"{t:g}" for t in got[:12]) + (", ..." if len(got) > 12 else "")
        want = ", ".join(f"{t:g}" for t in times)
        expect.fail(
            expect.timeline(check)
            + f"\n{what}: expected check to be called at {want} (seconds); yours called "
            f"it {len(got)} time(s), at {show or 'no time at all'}.",
            hint,
        )


async def run_under_timeout(kata, check, interval, budget=2.5):
    """Run poll_until under ``asyncio.timeout(budget)``; require the TimeoutError."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    call = f"`async with asyncio.timeout({budget:g}): await poll_until(check, {interval:g})`"
    try:
        async with asyncio.timeout(budget):
            await kata.poll_until(check, interval)
    except TimeoutError:
        pass
    except NotImplementedError:
        raise
    except Exception as exc:
        expect.fail(
            expect.timeline(check)
            + f"\n{call} raised {type(exc).__name__}: {exc}; expected TimeoutError at "
            f"{budget:g}s. When the timeout cancels poll_until, the CancelledError must "
            "come out of it unchanged, for asyncio.timeout to turn it into TimeoutError.",
            PROPAGATE,
        )
    else:
        expect.fail(
            expect.timeline(check)
            + f"\n{call} ended at {loop.time() - start:g}s without a TimeoutError, "
            "although check never said yes: poll_until caught the CancelledError the "
            "timeout sent it and returned normally, so the timeout could not tell that "
            "it fired. Cancellation must propagate.",
            PROPAGATE,
        )
    return loop.time() - start


@pytest.mark.points(1)
async def test_first_check_is_immediate(kata):
    check = Check(lambda n: True)
    run = await expect.timed(kata.poll_until(check, 1.0))
    expect_calls_at(
        check,
        [0.0],
        what="poll_until(check, 1) where check says yes at once",
        hint="call check straight away, before the first sleep; stop as soon as "
        "it returns something true.",
    )
    expect.elapsed(
        run,
        0.0,
        what="poll_until(check, 1)",
        why="the first check already says yes",
        services=[check],
        hint="return as soon as check returns a true value.",
    )


@pytest.mark.points(3)
async def test_checks_now_and_every_interval(kata):
    # not yet (False or None) eight times, then yes
    check = Check(lambda n: True if n == 8 else (None if n % 2 else False))
    run = await expect.timed(kata.poll_until(check, 0.25))
    expect_calls_at(
        check,
        [k * 0.25 for k in range(9)],
        what="poll_until(check, 0.25) where check says yes on its 9th call",
    )
    expect.elapsed(
        run,
        2.0,
        what="poll_until(check, 0.25)",
        why="the 9th check, at 2s, says yes",
        services=[check],
        hint="return as soon as check returns a true value, without sleeping again.",
    )


@pytest.mark.points(2)
async def test_check_errors_count_as_not_yet(kata):
    errors = [ConnectionError, ValueError, KeyError]
    check = Check(lambda n: errors[n] if n < len(errors) else True)
    try:
        run = await expect.timed(kata.poll_until(check, 0.5))
    except NotImplementedError:
        raise
    except Exception as exc:
        expect.fail(
            expect.timeline(check)
            + f"\npoll_until(check, 0.5) raised {type(exc).__name__}: {exc}; the first "
            "three checks raise errors (ConnectionError, ValueError, KeyError), and an "
            'error from check only means "not yet": keep polling.',
            hint="wrap `await check()` in `try:` / `except Exception:`.",
        )
    expect_calls_at(
        check,
        [0.0, 0.5, 1.0, 1.5],
        what="poll_until(check, 0.5) where the first three checks raise",
    )
    expect.elapsed(
        run,
        1.5,
        what="poll_until(check, 0.5)",
        why="the 4th check, at 1.5s, says yes",
        services=[check],
    )


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_timeout_cancels_it_while_it_waits(kata):
    check = Check(lambda n: False)
    took = await run_under_timeout(kata, check, 1.0)
    expect.elapsed(
        took,
        2.5,
        what="poll_until under asyncio.timeout(2.5)",
        why="the timeout cancels it at 2.5s",
        services=[check],
        hint=PROPAGATE,
    )
    expect_calls_at(check, [0.0, 1.0, 2.0], what="under asyncio.timeout(2.5), poll_until(check, 1)")
    expect.nothing_left_running(check)


@pytest.mark.points(3)
@pytest.mark.limits(virtual=60)
async def test_timeout_cancels_a_check_in_progress(kata):
    check = Check(lambda n: False, duration=3.0)  # a slow check: the timeout lands inside it
    took = await run_under_timeout(kata, check, 1.0)
    expect.elapsed(
        took,
        2.5,
        what="poll_until under asyncio.timeout(2.5)",
        why="the timeout cancels it at 2.5s, in the middle of a check",
        services=[check],
        hint=PROPAGATE,
    )
    first = check.calls[0]
    if first.outcome != "cancelled":
        state = "is still running" if first.outcome == "running" else "was not cancelled"
        expect.fail(
            expect.timeline(check)
            + "\nthe timeout fired at 2.5s in the middle of check() #1, but that check "
            f"{state}: the cancellation must reach the check being awaited.",
            "await check() directly: do not shield it or run it in a task of its own.",
        )
    expect.nothing_left_running(check)
