"""Describe what tasks are doing, in the learner's terms: which line of kata.py each one
is stuck on and what it awaits. Used by deadlock, time-limit and leak messages."""

from __future__ import annotations

import asyncio
import linecache
import os
import types
from dataclasses import dataclass

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_GRADERS_DIR = os.path.dirname(__file__)


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    function: str

    @property
    def source(self) -> str:
        return linecache.getline(self.file, self.line).strip()

    def __str__(self) -> str:
        text = f"{os.path.basename(self.file)}:{self.line}"
        source = self.source
        return f"{text} `{source}`" if source else text


def _frame_of(obj) -> types.FrameType | None:
    for attr in ("cr_frame", "ag_frame", "gi_frame"):
        frame = getattr(obj, attr, None)
        if frame is not None:
            return frame
    return None


def _awaited(obj):
    for attr in ("cr_await", "ag_await", "gi_yieldfrom"):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    return None


def coroutine_frames(coro) -> list[types.FrameType]:
    """The chain of suspended frames, outermost first (a task's "await stack")."""
    frames = []
    seen = set()
    while coro is not None and id(coro) not in seen:
        seen.add(id(coro))
        frame = _frame_of(coro)
        if frame is None:
            break
        frames.append(frame)
        coro = _awaited(coro)
    return frames


def stack_frames(frame: types.FrameType | None) -> list[types.FrameType]:
    """A thread's stack, outermost first."""
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames[::-1]


def pick(frames: list[types.FrameType], learner_file: str | None) -> Where | None:
    """The innermost frame in the learner's file, else the innermost outside asyncio."""
    chosen = None
    for frame in frames:
        file = frame.f_code.co_filename
        if learner_file and _same_file(file, learner_file):
            chosen = frame
    if chosen is None:
        for frame in frames:
            file = frame.f_code.co_filename
            if not file.startswith(_ASYNCIO_DIR) and not file.startswith(_GRADERS_DIR):
                chosen = frame
    if chosen is None:
        return None
    return Where(chosen.f_code.co_filename, chosen.f_lineno, chosen.f_code.co_name)


def in_learner_code(frames: list[types.FrameType], learner_file: str | None) -> bool:
    return bool(learner_file) and any(
        _same_file(f.f_code.co_filename, learner_file) for f in frames
    )


def _same_file(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _waiting_on(frames: list[types.FrameType]) -> str | None:
    """Name the asyncio primitive a task is parked in (Queue.get, Event.wait...)."""
    for frame in reversed(frames):
        if frame.f_code.co_filename.startswith(_ASYNCIO_DIR):
            name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
            if not name.startswith("_"):
                return name + "()"
    return None


def describe_task(task: asyncio.Task, learner_file: str | None) -> str:
    frames = coroutine_frames(task.get_coro())
    where = pick(frames, learner_file)
    name = task.get_name()
    text = f"task {name!r}"
    if where is not None:
        text += f" waits at {where}"
    inner = _waiting_on(frames)
    if inner:
        text += f" (inside {inner})"
    if task.cancelling():
        text += f" [cancelled {task.cancelling()}x but still running]"
    return text


def describe_tasks(loop: asyncio.AbstractEventLoop, learner_file: str | None) -> list[str]:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    return [describe_task(t, learner_file) for t in tasks]


def swallowing_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task]:
    """Tasks that were asked to cancel and are still running: the classic swallowed
    CancelledError."""
    return [t for t in asyncio.all_tasks(loop) if not t.done() and t.cancelling()]
