import asyncio
import contextvars
import random
import threading
from dataclasses import dataclass

import pytest

from graders import expect

SET_FIRST = (
    "set `request_id` before you create the subtasks: a task copies the context at the "
    "moment it is created, so a value set afterwards never reaches it."
)
TO_THREAD = (
    "use `await asyncio.to_thread(log, 'end')`: it runs the function in a copy of your "
    "context. `loop.run_in_executor` does not copy it, so the thread sees no id."
)
CONTEXTVAR = (
    "make `request_id` a module-level `contextvars.ContextVar`: each task (each request) "
    "then has its own value, where a plain global is shared by all of them."
)
#: Real time the worker threads may take on a loaded machine (the loop follows the real
#: clock while they run); part times, checked exactly, are what catch serial code.
THREAD_SLACK = 2.0


@dataclass
class Entry:
    message: str
    seen: object  # the value of request_id when log() was called
    in_thread: bool  # called from a worker thread, not the event loop's
    time: float | None  # virtual time (None when called from a thread)


def current_id(kata):
    """What `request_id` holds right now, whether or not it is a ContextVar."""
    var = kata.request_id
    return var.get(None) if isinstance(var, contextvars.ContextVar) else var


class Log:
    """The `log` handed to handle(): records each message with the id it saw, and where."""

    def __init__(self, kata):
        self.kata = kata
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self.entries: list[Entry] = []

    def __call__(self, message):
        in_thread = threading.get_ident() != self.loop_thread
        seen = current_id(self.kata)
        self.entries.append(
            Entry(message, seen, in_thread, None if in_thread else self.loop.time())
        )

    def entry(self, message):
        return next((e for e in self.entries if e.message == message), None)

    @property
    def messages(self):
        return [e.message for e in self.entries]


def check_request(log, req, *, thread=True):
    """Every message of the request, in a sensible order, each seeing the request's id
    (with ``thread=False``, the worker thread's 'end' is left to another test)."""
    rid = req["id"]
    parts = {f"part {i}" for i in range(len(req["parts"]))}
    messages = log.messages
    expect.true(
        len(messages) == len(parts) + 2
        and messages[0] == "start"
        and messages[-1] == "end"
        and set(messages[1:-1]) == parts,
        f"request {rid!r} (parts {req['parts']}) logged {messages}; expected 'start', then "
        f"{sorted(parts) or 'no parts'} in the order they finish, then 'end'.",
        hint="log('start'); run every part as a subtask that sleeps its delay and then logs "
        "f'part {i}'; once all are done, log 'end' from a thread.",
    )
    for e in log.entries:
        if e.seen == rid or (e.message == "end" and not thread):
            continue
        if e.message == "end":
            place, hint = "in the worker thread", TO_THREAD
        elif e.message.startswith("part"):
            place, hint = "in a subtask", SET_FIRST
        else:
            place, hint = (
                "in handle itself",
                "set it first thing: `token = request_id.set(req['id'])`.",
            )
        if e.seen is not None:
            hint = CONTEXTVAR
        expect.fail(
            f"while handling request {rid!r}, log({e.message!r}) ran {place} and saw "
            f"request_id = {e.seen!r}; expected {rid!r}.",
            hint=hint,
        )
    end = log.entry("end")
    expect.true(
        end.in_thread or not thread,
        f"request {rid!r}: log('end') was called on the event loop's own thread; the task "
        "asks for it to be called in a worker thread, as if it did blocking file I/O.",
        hint="`await asyncio.to_thread(log, 'end')`.",
    )


def check_part_times(log, req, start=0.0):
    """Parts run concurrently: part i logs exactly its delay after handle started."""
    for i, delay in enumerate(req["parts"]):
        entry = log.entry(f"part {i}")
        if entry is None or entry.time is None:
            continue
        expect.true(
            abs(entry.time - (start + delay)) <= 1e-6,
            f"request {req['id']!r}: part {i} (a {delay:g}s sleep) logged at {entry.time - start:g}s "
            f"after handle started; expected {delay:g}s: all parts run at the same time, as "
            f"subtasks. (parts: {req['parts']})",
            hint="start every part before awaiting any: asyncio.gather(*parts) or a TaskGroup.",
        )


@pytest.mark.points(1)
async def test_handler_sees_its_id(kata):
    req = {"id": "r1", "parts": []}
    log = Log(kata)
    await kata.handle(req, log)
    expect.true(
        isinstance(kata.request_id, contextvars.ContextVar),
        f"`request_id` is {kata.request_id!r}, not a contextvars.ContextVar.",
        hint=CONTEXTVAR,
    )
    check_request(log, req, thread=False)


@pytest.mark.points(2)
async def test_subtasks_see_the_id_and_overlap(kata):
    req = {"id": "r2", "parts": [1.0, 0.5, 2.0]}
    log = Log(kata)
    await kata.handle(req, log)
    check_request(log, req, thread=False)
    check_part_times(log, req)


@pytest.mark.points(2)
async def test_worker_thread_sees_the_id(kata):
    req = {"id": "r3", "parts": [0.5]}
    log = Log(kata)
    await kata.handle(req, log)
    end = log.entry("end")
    expect.true(
        end is not None,
        f"request 'r3' logged {log.messages}, never 'end'.",
        hint="finish with `await asyncio.to_thread(log, 'end')`.",
    )
    expect.true(
        end.in_thread,
        "log('end') was called on the event loop's own thread, not in a worker thread.",
        hint="`await asyncio.to_thread(log, 'end')`.",
    )
    check_request(log, req)


@pytest.mark.points(2)
async def test_caller_context_is_left_as_it_was(kata):
    await kata.handle({"id": "r4", "parts": [0.5]}, Log(kata))
    expect.equal(
        current_id(kata),
        None,
        call="request_id, read by the caller after `await handle({'id': 'r4', ...})`,",
        hint="the id belongs to the request: `token = request_id.set(...)` at the "
        "start, `request_id.reset(token)` in a `finally` at the end.",
    )
    if not isinstance(kata.request_id, contextvars.ContextVar):
        expect.fail(
            f"`request_id` is {kata.request_id!r}, not a contextvars.ContextVar.", hint=CONTEXTVAR
        )
    token = kata.request_id.set("outer")
    try:
        log = Log(kata)
        await kata.handle({"id": "r5", "parts": []}, log)
        expect.equal(
            current_id(kata),
            "outer",
            call="request_id, set to 'outer' by the caller, after `await handle({'id': 'r5', ...})`,",
            hint="`request_id.reset(token)` puts back whatever the caller had, where "
            "setting None would erase it.",
        )
        check_request(log, {"id": "r5", "parts": []}, thread=False)
    finally:
        kata.request_id.reset(token)


def fifty_requests():
    rng = random.Random(40)
    delays = [0.25 * k for k in range(1, 17)]
    return [
        {"id": f"req-{n:02d}", "parts": [rng.choice(delays) for _ in range(rng.randint(1, 3))]}
        for n in range(50)
    ]


@pytest.mark.points(3)
async def test_fifty_interleaved_requests(kata):
    reqs = fifty_requests()
    logs = [Log(kata) for _ in reqs]
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(kata.handle(req, log) for req, log in zip(reqs, logs, strict=True)))
    took = loop.time() - start
    for req, log in zip(reqs, logs, strict=True):
        check_request(log, req)
    for req, log in zip(reqs, logs, strict=True):
        check_part_times(log, req, start)
    longest = max(max(req["parts"]) for req in reqs)
    expect.true(
        longest - 1e-6 <= took <= longest + THREAD_SLACK,
        f"50 requests handled at the same time took {took:g}s; expected {longest:g}s, the "
        "longest part of any request (plus the real instant the worker threads take).",
        hint="within a request, start every part before awaiting any.",
    )
    expect.equal(current_id(kata), None, call="request_id in the caller, after the 50 requests,")
