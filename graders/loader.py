"""Load the learner's kata.py and check it offers what the kata asks for.

The kata's ``[api]`` table in kata.toml states each required name, for example
``fetch_all = "async def fetch_all(fetch, keys) -> list"``. A missing name, a plain
``def`` where ``async def`` is required, or parameters the tests cannot pass become
one clear message instead of a confusing failure in every test.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
import traceback
from pathlib import Path
from types import ModuleType

from .errors import KataLoadError

KINDS = ("async def", "def", "class", "async generator", "context manager", "value")


def load(path: str | Path, api: dict[str, str], *, name: str = "kata") -> ModuleType:
    path = Path(path)
    if not path.is_file():
        raise KataLoadError(f"{path} does not exist.")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise KataLoadError(_syntax_message(exc)) from None
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        line = _line_in(exc, path)
        at = f" (line {line})" if line else ""
        raise KataLoadError(
            f"kata.py raised {type(exc).__name__}: {exc} while being imported{at}.\n"
            "Code at the top level of kata.py runs on import: keep it to imports and "
            "definitions."
        ) from None
    check_api(module, api)
    return module


def _syntax_message(exc: SyntaxError) -> str:
    text = f"kata.py has a syntax error on line {exc.lineno}: {exc.msg}."
    if exc.text:
        text += f"\n    {exc.text.rstrip()}"
        if exc.offset:
            text += "\n    " + " " * (exc.offset - 1) + "^"
    return text + "\nFix it and grade again: until then no test of this kata can run."


def _line_in(exc: BaseException, path: Path) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename).resolve() == path.resolve():
            line = lineno
    return line


def parse_spec(spec: str) -> tuple[str, str, ast.arguments | None]:
    """``"async def f(a, b) -> int"`` -> ("async def", "f", arguments)."""
    for kind in sorted(KINDS, key=len, reverse=True):
        if spec.startswith(kind + " "):
            rest = spec[len(kind) + 1 :].strip()
            break
    else:
        raise ValueError(f"kata.toml api entry {spec!r} must start with one of {KINDS}")
    if "(" not in rest:
        return kind, rest.split()[0].rstrip(":"), None
    head = rest.split("->")[0].strip()
    tree = ast.parse(f"def {head}: pass")
    func = tree.body[0]
    return kind, func.name, func.args


def check_api(module: ModuleType, api: dict[str, str]) -> None:
    problems = [p for name, spec in api.items() if (p := _check_one(module, name, str(spec)))]
    if problems:
        raise KataLoadError("\n".join(problems))


def _check_one(module: ModuleType, name: str, spec: str) -> str | None:
    kind, _, args = parse_spec(spec)
    if not hasattr(module, name):
        return f"kata.py has no `{name}`. The kata asks for:\n    {spec}"
    obj = getattr(module, name)
    if kind == "async def":
        if inspect.isasyncgenfunction(obj):
            return (
                f"`{name}` is an async generator (it contains `yield`), but the kata asks "
                f"for a coroutine function that returns its result:\n    {spec}"
            )
        if not inspect.iscoroutinefunction(obj):
            return (
                f"`{name}` must be a coroutine function, defined with `async def`; yours "
                f"is a plain {_describe(obj)}. The kata asks for:\n    {spec}"
            )
    elif kind == "async generator":
        if not inspect.isasyncgenfunction(obj):
            return (
                f"`{name}` must be an async generator: `async def` with `yield` inside. "
                f"Yours is a {_describe(obj)}. The kata asks for:\n    {spec}"
            )
    elif kind == "def":
        if inspect.iscoroutinefunction(obj) or not callable(obj):
            return (
                f"`{name}` must be a plain function (`def`, not `async def`). The kata "
                f"asks for:\n    {spec}"
            )
    elif kind == "class":
        if not inspect.isclass(obj):
            return f"`{name}` must be a class. The kata asks for:\n    {spec}"
    elif kind == "context manager" and not callable(obj):
        return f"`{name}` must be callable. The kata asks for:\n    {spec}"
    if args is not None and callable(obj):
        return _check_signature(name, obj, args, spec)
    return None


def _describe(obj) -> str:
    if inspect.isfunction(obj):
        return "`def` function"
    return type(obj).__name__


def _check_signature(name: str, obj, args: ast.arguments, spec: str) -> str | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    positional = [a.arg for a in args.posonlyargs + args.args if a.arg not in ("self", "cls")]
    keywords = [a.arg for a in args.kwonlyargs]
    try:
        if inspect.isclass(obj):
            signature = inspect.signature(obj.__init__)
            signature.bind(None, *positional, **{k: k for k in keywords})
        else:
            signature.bind(*positional, **{k: k for k in keywords})
    except TypeError as exc:
        return (
            f"`{name}` cannot be called the way the kata calls it ({exc}). Yours is "
            f"`{name}{signature}`; the kata asks for:\n    {spec}"
        )
    return None
