"""The learner's commands: ``list``, ``check``, ``hint``, ``reset``, ``solution``, ``next``.

    python -m graders list [--json]       every kata: state, points, hints (grades nothing)
    python -m graders check [KATA]        grade one kata (the current one by default)
    python -m graders hint [KATA]         reveal the next hint (the current kata by default)
    python -m graders reset KATA... | --all [--yes]
                                          put the original stub back; yours is backed up
    python -m graders solution KATA       the reference solution, once your kata passes
    python -m graders next                the kata to work on now, and how

State lives in ``.kata-progress`` (graders.progress), a cache of grades and hint counts
that only decides defaults and what ``list`` shows; ``solution`` grades again rather
than trust it. "Current" is decided in graders.current, the original stubs and backups
in graders.originals.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from . import originals, report_list
from .catalog import MODULES, Kata, UsageError, load_catalog, repo_root, select
from .current import MISSING, NOT_STARTED, UNSUPPORTED, KataState, first_unfinished, states
from .progress import Progress, fingerprint, record_results, update
from .report_check import COMMAND, display_path, kata_name, kata_ref, render_check, wrap
from .report_terminal import Style
from .scoring import KataResult

COMMANDS = ("list", "check", "hint", "reset", "solution", "next")


def add_parsers(sub) -> None:
    """Add the learner's commands to ``python -m graders``' subcommands."""
    listing = sub.add_parser(
        "list", help="learners: every kata with its state and points (instant: grades nothing)"
    )
    listing.add_argument("--json", action="store_true", help="print it as JSON")
    check = sub.add_parser(
        "check", help="learners: grade one kata (the current one by default) and say what next"
    )
    check.add_argument("kata", nargs="?", metavar="KATA", help="3, 03, slug or folder")
    hint = sub.add_parser("hint", help="learners: reveal a kata's next hint, one per call")
    hint.add_argument("kata", nargs="?", metavar="KATA", help="default: the current kata")
    reset = sub.add_parser(
        "reset", help="learners: put a kata's original stub back (your file is backed up)"
    )
    reset.add_argument("katas", nargs="*", metavar="KATA")
    reset.add_argument("--all", action="store_true", help="every kata")
    reset.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    solution = sub.add_parser(
        "solution", help="learners: the reference solution and why it works, once yours passes"
    )
    solution.add_argument("kata", metavar="KATA")
    sub.add_parser("next", help="learners: the kata to work on now, and how")


def run(args) -> int:
    handler = {
        "list": cmd_list,
        "check": cmd_check,
        "hint": cmd_hint,
        "reset": cmd_reset,
        "solution": cmd_solution,
        "next": cmd_next,
    }[args.command]
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show "·": "?", no crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted: nothing more was done.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `list | head`: the reader has gone, and that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _one(catalog: list[Kata], selector: str) -> Kata:
    return select(catalog, [selector])[0]


def _say(text: str, file=None) -> None:
    print(wrap(text), file=file or sys.stdout)


def _wrap(text: str, indent: int) -> str:
    return wrap(" ".join(text.split()), indent, indent)


def _grade(root: Path, katas: list[Kata]) -> list[KataResult]:
    """Grade the learner's own files and remember the results in the progress file."""
    from .cli import grade  # cli imports this module to register the commands

    prints = {k.id: fingerprint(k.path / "kata.py") for k in katas}  # what is graded
    results = grade(katas, None, None, root).katas
    record_results(root, results, prints)
    return results


# list ---------------------------------------------------------------------------------


def cmd_list(args) -> int:
    root = repo_root()
    all_states = states(load_catalog(root), Progress.load(root))
    if args.json:
        print(report_list.render_json(all_states))
    else:
        print(report_list.render(all_states, sys.stdout))
    return 0


# check --------------------------------------------------------------------------------

#: Katas graded at once while looking for the first that does not pass yet.
PROBE_BATCH = max(1, min(4, os.cpu_count() or 2))


def cmd_check(args) -> int:
    root = repo_root()
    catalog = load_catalog(root)
    if args.kata:
        result = _grade(root, [_one(catalog, args.kata)])[0]
    else:
        result = _check_current(root, catalog)
        if result is None:
            _say(
                "every kata passes, as of your last checks. Name one to grade it again: "
                f"`{COMMAND} check 03`."
            )
            return 0
    print(render_check(result, Progress.load(root), sys.stdout))
    return 0 if result.status in ("pass", "skip") else 1


def _check_current(root: Path, catalog: list[Kata]) -> KataResult | None:
    """Grade the current kata. Katas the cache knows nothing about (no progress file,
    or a deleted one) are graded in order, a few at once, until one does not pass."""
    pending = [
        s for s in states(catalog, Progress.load(root)) if s.state != UNSUPPORTED and not s.done
    ]
    result = None
    style = Style(sys.stdout)
    announced = False
    while pending:
        batch = [pending.pop(0)]
        while (
            not batch[-1].known
            and not _untouched(batch[-1].kata)  # an untouched stub cannot pass: stop there
            and pending
            and not pending[0].known
            and len(batch) < PROBE_BATCH
        ):
            batch.append(pending.pop(0))
        results = _grade(root, [s.kata for s in batch])
        for i, (state, result) in enumerate(zip(batch, results, strict=True)):
            last = not pending and i == len(batch) - 1
            if state.known or result.status != "pass" or last:
                return result
            if not announced:
                print("checking the katas you have not checked yet, in order:")
                announced = True
            mark = style.status("pass", style.marks["pass"])
            points = f"{result.score}/{result.max_score}"
            print(f"  {mark} {kata_name(result.kata, style)}: passes ({points})")
    return result


def _untouched(kata: Kata) -> bool:
    try:
        return originals.is_stub((kata.path / "kata.py").read_bytes())
    except OSError:
        return True  # missing: grading says so, and nothing after it needs grading first


# hint ---------------------------------------------------------------------------------


def cmd_hint(args) -> int:
    root = repo_root()
    catalog = load_catalog(root)
    kata = _one(catalog, args.kata) if args.kata else _current_or_none(root, catalog)
    if kata is None:
        _say(f"every kata passes, as of your last checks. Name a kata: `{COMMAND} hint 03`.")
        return 0
    total = len(kata.hints)
    ref = kata_ref(kata)
    readme = display_path(kata.path / "README.md")
    style = Style(sys.stdout)
    if not total:
        _say(f"{kata_name(kata, style)} has no hints. Its task is explained in {readme}.")
        return 0
    before = min(Progress.load(root).hints(kata.id), total)
    shown = min(before + 1, total)
    update(root, lambda progress: progress.set_hints(kata.id, shown))
    print(style.paint(f"{kata_name(kata, style)}: hint {shown} of {total}", "1"))
    for number, text in enumerate(kata.hints[:shown], 1):
        print()
        label = f"hint {number} of {total}" + (" (new)" if number == shown > before else "")
        print(f"  {style.paint(label, '1' if number == shown else '2')}")
        print(_wrap(text, 4))
    print()
    left = total - shown
    if left:
        print(
            wrap(
                f"{left} more hint{'s' * (left != 1)}: run `{COMMAND} hint {ref}` again "
                f"for the next one. The task: {readme}"
            )
        )
    else:
        again = " again" if before == total else ""
        tail = ""
        if (root / "solutions" / kata.id / "kata.py").is_file():
            tail = f" Once it passes, `{COMMAND} solution {ref}` shows the reference solution."
        _say(
            f"that is every hint{again}. Reread {readme}; `{COMMAND} check {ref}` shows what "
            f"your code does now.{tail}"
        )
    return 0


def _current_or_none(root: Path, catalog: list[Kata]) -> Kata | None:
    found = first_unfinished(states(catalog, Progress.load(root)))
    return found.kata if found else None


# reset --------------------------------------------------------------------------------


def cmd_reset(args) -> int:
    root = repo_root()
    catalog = load_catalog(root)
    if args.all and args.katas:
        raise UsageError("reset: name katas or use --all, not both")
    if not args.all and not args.katas:
        raise UsageError(f"reset: name the kata to reset (`{COMMAND} reset 03`) or use --all")
    katas = catalog if args.all else select(catalog, args.katas)
    plan: list[tuple[Kata, bytes, str]] = []
    unknown = []
    for kata in katas:
        found = originals.original(root, kata)
        if found is None:
            unknown.append(kata)
            continue
        content, source = found
        current = kata.path / "kata.py"
        if current.is_file() and current.read_bytes() == content:
            continue  # already the original
        plan.append((kata, content, source))
    for kata in unknown:
        _say(
            f"cannot reset {kata_ref(kata)}: the original of "
            f"{display_path(kata.path / 'kata.py')} is unknown here (not a git checkout and no "
            f"{originals.STUB_COPIES}/ copies). Take the file from your course's repository.",
            file=sys.stderr,
        )
    if not plan:
        if not unknown:
            which = "every kata is" if args.all else "already"
            print(f"nothing to reset: {which} the original stub.")
        return 1 if unknown else 0
    if not args.yes and not _confirm(plan):
        return 1 if sys.stdin.isatty() else 2
    for kata, content, source in plan:
        saved = originals.backup(root, kata)
        (kata.path / "kata.py").write_bytes(content)
        kept = f"; yours is saved as {display_path(saved)}" if saved else ""
        _say(f"reset {display_path(kata.path / 'kata.py')} to the original stub ({source}){kept}")
    update(root, lambda progress: [progress.forget_grade(k.id) for k, _, _ in plan])
    return 1 if unknown else 0


def _confirm(plan: list[tuple[Kata, bytes, str]]) -> bool:
    files = [display_path(k.path / "kata.py") for k, _, _ in plan]
    what = files[0] if len(files) == 1 else f"{len(files)} files ({', '.join(files)})"
    backups = f"{originals.BACKUPS}/"
    if not sys.stdin.isatty():
        flags = " ".join(kata_ref(k) for k, _, _ in plan) if len(plan) < 6 else "--all"
        _say(
            f"reset needs your confirmation and cannot ask (the input is not a terminal): "
            f"nothing changed. To replace {what} with the original stub, run "
            f"`{COMMAND} reset {flags} --yes` (your version is kept in {backups}).",
            file=sys.stderr,
        )
        return False
    try:
        answer = input(
            f"Replace {what} with the original stub? Your version is kept in {backups}. [y/N] "
        )
    except (EOFError, KeyboardInterrupt):
        answer = ""
        print()
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("nothing changed.")
    return False


# solution -----------------------------------------------------------------------------


def cmd_solution(args) -> int:
    root = repo_root()
    kata = _one(load_catalog(root), args.kata)
    ref = kata_ref(kata)
    style = Style(sys.stdout)
    folder = root / "solutions"
    if not folder.is_dir():
        _say(
            "solutions are not included in this copy of the katas (a course's copy leaves "
            "them out): ask your teacher. Your grade is what counts: "
            f"`{COMMAND} check {ref}`."
        )
        return 1
    code = folder / kata.id / "kata.py"
    if not code.is_file():
        _say(f"there is no reference solution for {ref} in {display_path(folder)}.")
        return 1
    if not kata.supported:
        _say(f"{kata_name(kata, style)} {kata.skip_reason}: pass it on that Python first.")
        return 1
    result = _grade(root, [kata])[0]  # the cache is not trusted for this
    if result.status != "pass":
        progress = ", not started yet" if result.not_started else ""
        _say(
            f"not yet: pass the kata first ({ref} scores {result.score}/{result.max_score} "
            f"now{progress}). `{COMMAND} check {ref}` shows what fails and "
            f"`{COMMAND} hint {ref}` helps."
        )
        return 1
    mark = style.status("pass", style.marks["pass"])
    print(
        f"{mark} {style.paint(kata_name(kata, style), '1')} passes. The reference solution, "
        f"{display_path(code)}:"
    )
    print()
    print(code.read_text(encoding="utf-8").rstrip())
    why = folder / kata.id / "WHY.md"
    if why.is_file():
        print()
        print(style.paint(f"Why it works ({display_path(why)}):", "1"))
        print()
        print(_paragraphs(why.read_text(encoding="utf-8")))
    return 0


def _paragraphs(markdown: str) -> str:
    """Markdown prose wrapped to the terminal; code blocks, lists and tables kept as is."""
    out = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.splitlines()
        verbatim = any(line.startswith(("```", "    ", "|", "- ", "* ", "#")) for line in lines)
        out.append(block if verbatim else _wrap(block, 0))
    return "\n\n".join(out)


# next ---------------------------------------------------------------------------------


def cmd_next(args) -> int:
    root = repo_root()
    catalog = load_catalog(root)
    progress = Progress.load(root)
    current = first_unfinished(states(catalog, progress))
    if current is None:
        _say(
            "every kata passes, as of your last checks. Well done! "
            f"`{COMMAND} list` shows them all."
        )
        return 0
    kata = current.kata
    ref = kata_ref(kata)
    style = Style(sys.stdout)
    module = f"M{kata.module} {MODULES.get(kata.module, '')}".rstrip()
    print(f"{style.paint('next:', '1')} {style.paint(kata_name(kata, style), '1')} ({module})")
    print(f"  {_where(current)}")
    idea = intro(kata.path / "README.md")
    if idea:
        print()
        print(_wrap(idea, 2))
    hints = len(kata.hints)
    seen = min(current.entry.hints, hints)
    rows = [
        ("the task:", display_path(kata.path / "README.md"), ""),
        ("your code:", display_path(kata.path / "kata.py"), ""),
        ("grade it:", f"{COMMAND} check", "(or: nox -s check)"),
    ]
    if hints:
        rows.append(("stuck?", f"{COMMAND} hint {ref}", f"({seen} of {hints} hints seen)"))
    print()
    for label, value, note in rows:
        print(f"  {label:<11}{value:<36}{note}".rstrip())
    return 0


def _where(state: KataState) -> str:
    entry = state.entry
    if state.state == MISSING:
        return f"its kata.py is missing: `{COMMAND} reset {kata_ref(state.kata)}` puts it back."
    if not state.known or state.state == NOT_STARTED:
        return "you have not started it yet."
    then = f"{entry.score}/{entry.max_score} points at your last check"
    if state.changed:
        return f"you have changed it since your last check ({then})."
    return f"{then}."


def intro(readme: Path) -> str:
    """The first paragraph of a kata README's "## The idea" (else the first paragraph
    after the title), as one line of plain text; "" when there is none."""
    try:
        lines = readme.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == "## The idea"), None)
    if start is None:
        start = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    paragraph: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            if paragraph:
                break
            continue
        if line.startswith(("#", "```", "|", "    ")):
            break
        paragraph.append(line.strip())
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", r"\1\2", " ".join(paragraph))
