"""The sessions everyone runs.

Learners:  nox -s grade [-- KATA ...]     (the default session)
           nox -s list, nox -s next, nox -s check [-- KATA], nox -s hint [-- KATA],
           nox -s reset -- KATA|--all, nox -s solution -- KATA
           nox -s watch [-- KATA --poll]  (grade a kata at each save of its kata.py)
           nox -s report [-- KATA ...]    (report.html: the grade as a page for a browser)
Project:   nox -s test lint               (the whole self-test; what CI runs)
Authors:   nox -s prove [-- KATA ...]     (stubs 0, solutions full, mistakes rejected)
Numbers:   nox -s bench, nox -s stability [-- RUNS BURNERS]
Teachers:  nox -s classroom               (regenerate .github/workflows/classroom.yml)
           nox -s export -- DIR           (write the student template into DIR)
"""

from __future__ import annotations

import os

import nox

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]

nox.options.sessions = ["grade"]
nox.options.default_venv_backend = "uv|virtualenv"
# On a learner's machine, and in CI, an interpreter that is not installed is skipped.
nox.options.error_on_missing_interpreters = False
# ...and never downloaded behind the user's back.
nox.options.download_python = "never"
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
# uv installs without compiling bytecode, and the grader's processes never write any
# (PYTHONDONTWRITEBYTECODE): compiled once at install, each grade starts ~0.5 s sooner.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")


def _install(session: nox.Session, *extra: str) -> None:
    session.install("-e", ".", *extra)


@nox.session(reuse_venv=True)
def grade(session: nox.Session) -> None:
    """Grade your katas: `nox -s grade`, or one kata: `nox -s grade -- 03`."""
    _install(session)
    session.run("python", "-m", "graders", "grade", *session.posargs)


def _learner(session: nox.Session, command: str) -> None:
    _install(session)
    session.run("python", "-m", "graders", command, *session.posargs)


@nox.session(name="list", reuse_venv=True)
def list_katas(session: nox.Session) -> None:
    """Every kata with its state and points, grading nothing: `nox -s list`."""
    _learner(session, "list")


@nox.session(reuse_venv=True)
def check(session: nox.Session) -> None:
    """Grade the current kata (or `nox -s check -- 03`) and say what to do next."""
    _learner(session, "check")


@nox.session(reuse_venv=True)
def hint(session: nox.Session) -> None:
    """The next hint for the current kata (or `nox -s hint -- 03`)."""
    _learner(session, "hint")


@nox.session(reuse_venv=True)
def reset(session: nox.Session) -> None:
    """Put a kata's original stub back, yours backed up: `nox -s reset -- 03`."""
    _learner(session, "reset")


@nox.session(reuse_venv=True)
def solution(session: nox.Session) -> None:
    """The reference solution, once your kata passes: `nox -s solution -- 03`."""
    _learner(session, "solution")


@nox.session(name="next", reuse_venv=True)
def next_kata(session: nox.Session) -> None:
    """The kata to work on now, and how: `nox -s next`."""
    _learner(session, "next")


@nox.session(reuse_venv=True)
def watch(session: nox.Session) -> None:
    """Grade a kata each time you save it, then the next: `nox -s watch [-- KATA --poll]`."""
    _learner(session, "watch")


@nox.session(reuse_venv=True)
def report(session: nox.Session) -> None:
    """Your grade as one HTML page, report.html: `nox -s report`, or `nox -s report -- 03`."""
    _install(session)
    session.run("python", "-m", "graders", "report", *session.posargs)


@nox.session(reuse_venv=True)
def prove(session: nox.Session) -> None:
    """Authors: prove katas (all by default) on this interpreter."""
    _install(session)
    session.run("python", "-m", "graders", "prove", *session.posargs)


@nox.session(python=PYTHONS)
def test(session: nox.Session) -> None:
    """The engine's own tests and the proof of every kata, on each interpreter."""
    _install(session, "pyyaml")  # the Classroom workflow's tests parse it
    session.run("python", "-m", "pytest", *(session.posargs or ["tests", "-q"]))


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """ruff: format check and lint."""
    session.install("ruff")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Print how long grading takes: whole runs, per kata, start-up, isolation cost."""
    _install(session)
    session.run("python", "-m", "tests.bench", *session.posargs)


@nox.session(reuse_venv=True)
def stability(session: nox.Session) -> None:
    """Grade every reference solution many times under CPU load; count changed verdicts."""
    _install(session)
    session.run("python", "-m", "tests.stability", *session.posargs)


@nox.session(reuse_venv=True)
def classroom(session: nox.Session) -> None:
    """Regenerate .github/workflows/classroom.yml from the katas (commit the result)."""
    _install(session)
    session.run("python", "-m", "graders.classroom_workflow")


@nox.session(reuse_venv=True)
def export(session: nox.Session) -> None:
    """Teachers: write the student template: `nox -s export -- DIR`."""
    if len(session.posargs) != 1:
        session.error("usage: nox -s export -- DIR")
    _install(session)
    session.run("python", "-m", "graders", "export", *session.posargs)
