import asyncio
import gc

import pytest

from graders import FakeService, expect

SHARE = (
    "keep the in-flight call per key (a dict of key -> task): the first caller starts "
    "`asyncio.create_task(fn())`, and every caller, the first one too, awaits that task."
)
SHIELD = (
    "the shared call must belong to no caller: run it in a task of its own, and have each "
    "caller wait with `await asyncio.shield(task)`, so that cancelling one caller cancels "
    "only its wait."
)


def now():
    return asyncio.get_running_loop().time()


class Callers:
    """Tasks calling `flight.do(key, fn)`; records what each got and when."""

    def __init__(self, flight, svc):
        self.flight = flight
        self.svc = svc
        self.tasks = {}
        self.got = {}  # name -> ("returned", value) / ("raised", exc) / ("cancelled", None)
        self.when = {}

    def start(self, name, key):
        self.tasks[name] = asyncio.create_task(self._one(name, key))

    async def _one(self, name, key):
        try:
            value = await self.flight.do(key, lambda: self.svc(key))
        except asyncio.CancelledError:
            self.got[name], self.when[name] = ("cancelled", None), now()
            raise
        except NotImplementedError:
            raise
        except Exception as exc:
            self.got[name], self.when[name] = ("raised", exc), now()
        else:
            self.got[name], self.when[name] = ("returned", value), now()

    async def cancel(self, name):
        task = self.tasks[name]
        if task.done():
            await self.finish(name)  # the stub, or a call that ended too soon
            kind, value = self.got[name]
            if kind == "cancelled":
                expect.fail(
                    expect.timeline(self.svc)
                    + f"\ncaller {name} ended cancelled at {self.when[name]:g}s, but nothing "
                    "cancelled it: cancelling another caller cancelled the shared call.",
                    SHIELD,
                )
            expect.fail(
                f"caller {name} {describe(kind, value)} at {self.when[name]:g}s; it should "
                f"still have been waiting for the shared call at {now():g}s.",
                SHARE,
            )
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def finish(self, *names):
        tasks = [self.tasks[n] for n in (names or self.tasks)]
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if not task.cancelled() and isinstance(task.exception(), NotImplementedError):
                raise task.exception()

    def check(self, name, kind, value, at, story, hint=SHARE):
        got_kind, got_value = self.got.get(name, ("still running", None))
        same = got_value is value if kind == "raised" else got_value == value
        if got_kind != kind or not same or abs(self.when.get(name, -1) - at) > 1e-6:
            shown = describe(got_kind, got_value)
            if name in self.when:
                shown += f" at {self.when[name]:g}s"
            expect.fail(
                expect.timeline(self.svc) + f"\n{story}: caller {name} {shown}; expected it to "
                f"{describe(kind, value, verb=False)} at {at:g}s.",
                hint,
            )


class ForgetfulService(FakeService):
    """A FakeService that keeps no reference to the errors it raises.

    A kept error would keep the failed task alive on Python 3.12+ (its traceback's
    frames reach the loop handle that ran the task), and asyncio reports "Task exception
    was never retrieved" only when the task is garbage collected."""

    def _end(self, call, outcome, error=None):
        super()._end(call, outcome, None)


def describe(kind, value, verb=True):
    if kind == "returned":
        return f"return{'ed' if verb else ''} {value!r}"
    if kind == "raised":
        return f"raise{'d' if verb else ''} {type(value).__name__}({value})"
    if kind == "cancelled":
        return "end cancelled" if not verb else "ended cancelled"
    return "was still running" if verb else "still be running"


@pytest.mark.points(3)
async def test_concurrent_callers_share_one_call(kata):
    svc = FakeService(delays=1.0)
    flight = kata.SingleFlight()
    who = Callers(flight, svc)
    for i in range(5):
        who.start(f"c{i}", "k")
    await asyncio.sleep(0.5)
    for i in range(5, 8):
        who.start(f"c{i}", "k")  # join the call already in flight
    await who.finish()
    expect.call_count(svc, 1, hint=SHARE)
    for i in range(8):
        who.check(
            f"c{i}",
            "returned",
            "value:k",
            1.0,
            "8 callers ask for 'k' (5 at 0s, 3 at 0.5s) and fn takes 1s",
        )


@pytest.mark.points(2)
async def test_the_error_is_shared(kata):
    svc = FakeService(delays=1.0, errors={"k": KeyError})
    flight = kata.SingleFlight()
    who = Callers(flight, svc)
    for i in range(4):
        who.start(f"c{i}", "k")
    await who.finish()
    expect.call_count(svc, 1, hint=SHARE)
    error = svc.calls[0].error
    for i in range(4):
        who.check(
            f"c{i}",
            "raised",
            error,
            1.0,
            "4 callers ask for 'k' and the shared call raises KeyError('k') after 1s",
            "every caller gets the shared call's own error: awaiting the shared task "
            "raises it in each of them.",
        )


@pytest.mark.points(2)
async def test_the_next_call_runs_fn_again(kata):
    svc = FakeService(delays=1.0, errors=lambda key: KeyError(key) if key == "bad" else None)
    flight = kata.SingleFlight()
    again = (
        "single flight shares a call only while it is in flight; it is not a cache. Forget "
        "the key as soon as its call ends (success or error), so the next call runs fn again."
    )
    for n in range(1, 4):
        value = await flight.do("k", lambda: svc("k"))
        expect.equal(value, "value:k", call=f"call {n} of flight.do('k', fn)")
        expect.call_count(svc, n, hint=again)
    for n in range(4, 6):
        await expect.raises(
            KeyError,
            flight.do("bad", lambda: svc("bad")),
            call="flight.do('bad', fn) where fn raises KeyError",
        )
        expect.call_count(svc, n, hint=again)


@pytest.mark.points(2)
async def test_different_keys_overlap(kata):
    svc = FakeService(delays={"a": 1.0, "b": 2.0, "c": 1.5})
    flight = kata.SingleFlight()
    who = Callers(flight, svc)
    for key in "abc":
        for i in range(2):
            who.start(f"{key}{i}", key)
    await who.finish()
    expect.call_count(svc, 3, hint="one call per key: different keys never share a call.")
    expect.max_in_flight(
        svc,
        3,
        hint="calls for different keys are independent: they run at the same time.",
    )
    for key, delay in (("a", 1.0), ("b", 2.0), ("c", 1.5)):
        for i in range(2):
            who.check(
                f"{key}{i}",
                "returned",
                f"value:{key}",
                delay,
                "two callers per key 'a' (1s), 'b' (2s) and 'c' (1.5s), all at 0s",
                "keep one flight per key; different keys run side by side.",
            )


@pytest.mark.points(3)
async def test_a_cancelled_caller_spares_the_shared_call(kata):
    svc = FakeService(delays=2.0)
    flight = kata.SingleFlight()
    who = Callers(flight, svc)
    for i in range(3):
        who.start(f"c{i}", "k")
    await asyncio.sleep(0.5)
    await who.cancel("c0")  # the caller that started the call
    expect.not_cancelled(svc, ["k"], hint=SHIELD)
    await asyncio.sleep(0.5)
    await who.cancel("c2")
    who.start("c3", "k")  # joins the call still in flight
    await who.finish()
    expect.not_cancelled(svc, ["k"], hint=SHIELD)
    expect.call_count(
        svc,
        1,
        hint="cancelled callers do not end the flight: a caller arriving while the call "
        "still runs joins it. Forget the key when the shared call ends, not when a "
        "caller leaves.",
    )
    story = "3 callers ask for 'k' (fn takes 2s); c0 is cancelled at 0.5s, c2 at 1s, c3 joins at 1s"
    who.check("c0", "cancelled", None, 0.5, story, SHIELD)
    who.check("c2", "cancelled", None, 1.0, story, SHIELD)
    who.check("c1", "returned", "value:k", 2.0, story, SHIELD)
    who.check("c3", "returned", "value:k", 2.0, story, SHIELD)


@pytest.mark.points(1)
async def test_everyone_gone(kata):
    loop = asyncio.get_running_loop()
    svc = ForgetfulService(delays=1.0, errors={"bad": ConnectionError})
    flight = kata.SingleFlight()
    who = Callers(flight, svc)
    for i in range(3):
        who.start(f"c{i}", "bad")
    await asyncio.sleep(0.5)
    for i in range(3):
        await who.cancel(f"c{i}")
    who.tasks.clear()  # drop every reference to the callers: nobody holds the shared call
    await asyncio.sleep(1.0)  # the shared call fails at 1s, with nobody left to tell
    for _ in range(3):
        await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0)
    expect.not_cancelled(
        svc,
        ["bad"],
        hint="the shared call runs to its end even when every caller has left: it "
        "belongs to no caller. " + SHIELD,
    )
    lost = [c.get("message", "") for c in loop.stats.errors]
    expect.true(
        not lost,
        "every caller had been cancelled when the shared call raised ConnectionError, and "
        "asyncio then reported: " + "; ".join(repr(m) for m in lost) + ". Nobody is left "
        "to receive that error, which is fine, but it must not be left unretrieved.",
        hint="when the shared task is created, add a done callback that reads its error "
        "(`task.add_done_callback(lambda t: t.cancelled() or t.exception())`): asyncio then "
        "knows it was seen.",
    )
