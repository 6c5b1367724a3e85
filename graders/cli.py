"""``python -m graders``: the command line.

Learners (graders.learner):
    python -m graders list [--json]          every kata: state, points, hints (instant)
    python -m graders check [KATA]           grade one kata (the current one) and say what next
    python -m graders hint [KATA]            reveal the next hint, one per call
    python -m graders reset KATA... | --all [--yes]   the original stub back; yours backed up
    python -m graders solution KATA          the reference solution, once yours passes
    python -m graders next                   the kata to work on now, and how
    python -m graders watch [KATA] [--poll] [--once-passing]
                                             grade a kata at each save (graders.watch)

    python -m graders grade [KATA ...] [--from DIR] [--json FILE]
                            [--format gradescope|exercism|junit|classroom [--output FILE]]
    python -m graders prove [KATA ...]
    python -m graders gradebook SUBMISSIONS_DIR --csv FILE [KATA ...] [--jobs N]
    python -m graders export DIR
    python -m graders report [KATA ...] [--from DIR] [--output FILE]
                            (one HTML page; exit status 0 once it is written)

Exit status: 0 when every selected kata earned full points, 1 otherwise, 2 for misuse.
Grading the learner's own katas (no ``--from``) also updates ``.kata-progress``, the
cache ``list``, ``next`` and ``check`` read (graders.progress); no grade ever reads it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from . import (
    integrity,
    learner,
    progress,
    report_classroom,
    report_exercism,
    report_gradescope,
    report_json,
    report_junit,
    report_terminal,
)
from .catalog import UsageError, load_catalog, repo_root, select
from .runner import GraderError, Runner
from .scoring import Grade, KataResult

#: ``--format`` name -> the function that renders a grade as that format's text.
FORMATS = {
    "gradescope": report_gradescope.render,
    "exercism": report_exercism.render,
    "junit": report_junit.render,
    "classroom": report_classroom.render,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit status 2 with a short usage line, like argparse
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m graders", description="Grade asyncio katas.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    grade = sub.add_parser("grade", help="grade katas (all by default)")
    grade.add_argument(
        "katas", nargs="*", metavar="KATA", help="3, 03, gather_in_order or 03_gather_in_order"
    )
    grade.add_argument(
        "--from", dest="source", metavar="DIR", help="grade DIR/NN_slug/kata.py instead of katas/"
    )
    grade.add_argument(
        "--json", metavar="FILE", help="also write the grade as JSON to FILE ('-' for stdout)"
    )
    grade.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="katas graded at once (default: CPU count); real-clock katas run beside them",
    )
    grade.add_argument("-q", "--quiet", action="store_true", help="no terminal report")
    grade.add_argument(
        "--format",
        choices=sorted(FORMATS),
        help="also write the grade for another grader: Gradescope or Exercism results.json, "
        "JUnit XML, or a GitHub Classroom step result (base64)",
    )
    grade.add_argument(
        "--output",
        metavar="FILE",
        default="-",
        help="where --format writes ('-', the default, for stdout; the terminal report is "
        "then left out)",
    )

    prove = sub.add_parser(
        "prove", help="authors: stubs score 0, solutions full, mistakes lose points"
    )
    prove.add_argument("katas", nargs="*", metavar="KATA")
    prove.add_argument("--jobs", type=int, default=None)

    book = sub.add_parser(
        "gradebook", help="teachers: grade every student checkout in a folder into a CSV"
    )
    book.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    book.add_argument("katas", nargs="*", metavar="KATA", help="only these katas (default: all)")
    book.add_argument("--csv", required=True, metavar="FILE", help="the gradebook ('-' for stdout)")
    book.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="submissions graded at once (default: CPU count)",
    )
    book.add_argument(
        "--manifest", metavar="FILE", help="the exported template's integrity manifest"
    )

    export = sub.add_parser("export", help="teachers: write the student template into DIR")
    export.add_argument("dir", metavar="DIR")

    report = sub.add_parser(
        "report", help="grade katas (all by default) into one HTML page to open in a browser"
    )
    report.add_argument("katas", nargs="*", metavar="KATA")
    report.add_argument(
        "--from", dest="source", metavar="DIR", help="grade DIR/NN_slug/kata.py instead of katas/"
    )
    report.add_argument(
        "--output", metavar="FILE", help="where to write the page (default: report.html)"
    )
    report.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="katas graded at once (default: CPU count); real-clock katas run beside them",
    )

    watch = sub.add_parser(
        "watch",
        help="learners: grade a kata each time you save it, then move on to the next one",
    )
    watch.add_argument(
        "kata", nargs="?", metavar="KATA", help="default: the first kata not yet passing"
    )
    watch.add_argument(
        "--poll",
        action="store_true",
        help="check the file every 0.3 s instead of waiting for file events "
        "(WSL2 with files on Windows, some containers, network drives)",
    )
    watch.add_argument("--once-passing", action="store_true", help="stop when the kata passes")

    learner.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "grade":
            return cmd_grade(args)
        if args.command == "prove":
            from .prove import cmd_prove

            return cmd_prove(args)
        if args.command == "gradebook":
            from .gradebook import cmd_gradebook

            return cmd_gradebook(args)
        if args.command == "export":
            from .export import cmd_export

            return cmd_export(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "watch":
            from .watch import cmd_watch

            return cmd_watch(args)
        if args.command in learner.COMMANDS:
            return learner.run(args)
    except UsageError as exc:
        print(f"python -m graders: error: {exc}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(f"python -m graders: internal error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `python -m graders list | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    return 2


def grade(
    katas,
    source: Path | None = None,
    jobs: int | None = None,
    root: Path | None = None,
    runner: Runner | None = None,
) -> Grade:
    """Grade ``katas``; when ``root`` holds an integrity manifest, a kata whose hidden
    tests or grader files differ from it is an error worth 0 and is not run. ``runner``:
    one to reuse (``watch`` keeps a warm one across saves)."""
    root = root or repo_root()
    manifest = integrity.load(root)
    broken = integrity.verify(root, katas, manifest) if manifest is not None else {}
    work = []
    for kata in katas:
        if kata.id in broken:
            continue
        base = source if source is not None else kata.path.parent
        work.append((kata, (base / kata.id / "kata.py").resolve()))
    runner = runner or Runner(root, jobs=jobs)
    graded = iter(runner.grade(work) if work else [])
    results = []
    for kata in katas:
        if kata.id in broken:
            trusted = integrity.trusted_points(kata, manifest)
            results.append(KataResult(trusted, error=broken[kata.id]))
        else:
            results.append(next(graded))
    return Grade(results)


def cmd_grade(args) -> int:
    root = repo_root()
    katas = select(load_catalog(root), args.katas)
    source = None
    if args.source:
        source = Path(args.source).resolve()
        if not source.is_dir():
            raise UsageError(f"--from {args.source}: no such directory")
    result = grade(katas, source, args.jobs, root)
    if source is None:  # the learner's own katas: remember how they stand
        progress.record_results(root, result.katas)
    if args.json:
        report_json.write(result, args.json)
    if args.format:
        _write_atomically(FORMATS[args.format](result), args.output)
    to_stdout = args.json == "-" or (args.format and args.output == "-")
    if not args.quiet and not to_stdout:
        print(report_terminal.render(result, explicit=bool(args.katas)))
    return 0 if result.all_passed else 1


def cmd_report(args) -> int:
    """Grade, write the HTML page, say where it is. Exit status 0 once the page is written
    (the verdicts are in it), 2 for misuse."""
    from datetime import datetime

    from . import report_html

    root = repo_root()
    katas = select(load_catalog(root), args.katas)
    source = None
    if args.source:
        source = Path(args.source).resolve()
        if not source.is_dir():
            raise UsageError(f"--from {args.source}: no such directory")
    target = Path(args.output).resolve() if args.output else root / "report.html"
    if target.is_dir() or not target.parent.is_dir():
        raise UsageError(f"--output {args.output}: not a file in an existing folder")
    result = grade(katas, source, args.jobs, root)
    if source is None:  # the learner's own katas: remember how they stand
        progress.record_results(root, result.katas)
    page = report_html.render(
        result,
        source=args.source or "katas/",
        generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    )
    try:
        _write_atomically(page, str(target))
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    passing = sum(1 for k in result.katas if k.status == "pass")
    graded = sum(1 for k in result.katas if k.status != "skip")
    print(
        f"total {result.score}/{result.max_score} points · {passing} of {graded} katas passing\n"
        f"report written to {target}\n"
        f"open it in a browser: {target.as_uri()}"
    )
    return 0


def _write_atomically(text: str, path: str) -> None:
    """Write whole or not at all: Classroom's workflow step reads the file even when the
    grader was stopped mid-way, and half a result would break every kata's report."""
    if path == "-":
        print(text)
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # like any file the user writes, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
