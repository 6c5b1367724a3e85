"""``python -m graders``: the command line.

    python -m graders grade [KATA ...] [--from DIR] [--json FILE]
    python -m graders prove [KATA ...]

Exit status: 0 when every selected kata earned full points, 1 otherwise, 2 for misuse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import report_json, report_terminal
from .catalog import UsageError, load_catalog, repo_root, select
from .runner import GraderError, Runner
from .scoring import Grade


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
        "--jobs", type=int, default=None, help="katas graded at once (default: CPU count)"
    )
    grade.add_argument("-q", "--quiet", action="store_true", help="no terminal report")

    prove = sub.add_parser(
        "prove", help="authors: stubs score 0, solutions full, mistakes lose points"
    )
    prove.add_argument("katas", nargs="*", metavar="KATA")
    prove.add_argument("--jobs", type=int, default=None)
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
    except UsageError as exc:
        print(f"python -m graders: error: {exc}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(f"python -m graders: internal error: {exc}", file=sys.stderr)
        return 2
    return 2


def grade(
    katas, source: Path | None = None, jobs: int | None = None, root: Path | None = None
) -> Grade:
    root = root or repo_root()
    work = []
    for kata in katas:
        base = source if source is not None else kata.path.parent
        work.append((kata, (base / kata.id / "kata.py").resolve()))
    return Grade(Runner(root, jobs=jobs).grade(work))


def cmd_grade(args) -> int:
    root = repo_root()
    katas = select(load_catalog(root), args.katas)
    source = None
    if args.source:
        source = Path(args.source).resolve()
        if not source.is_dir():
            raise UsageError(f"--from {args.source}: no such directory")
    result = grade(katas, source, args.jobs, root)
    if args.json:
        report_json.write(result, args.json)
    if not args.quiet:
        print(report_terminal.render(result, explicit=bool(args.katas)))
    return 0 if result.all_passed else 1
