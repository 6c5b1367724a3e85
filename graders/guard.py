"""Catch kata code that rewires the grader inside the process that judges it.

The learner's code runs in the same process as the hidden tests, pytest and this
package, so it can reach them: replace ``graders.expect.equal`` with a no-op, make
pytest's reports never fail, swap a fake's method so every call looks parallel. Just
before kata.py is first imported, the plugin calls `install`:

- **seal**: the grader's modules (``graders.*``, the hidden test modules, ``asyncio``,
  ``pytest``/``_pytest``, ``pluggy``, ``pytest_asyncio``, ``pytest_timeout``, ``json``,
  ``hmac``) refuse attribute assignment and deletion, except by their own code (pytest
  sets a few of its own) or by a hidden test (a test may ``monkeypatch``), and never
  with a frame of kata.py on the stack. A refused attempt raises AttributeError at once
  *and* is recorded.
- **snapshot**: every value of the ``graders`` and hidden test modules; the classes and
  functions of the others (and of ``builtins``, ``time``); every attribute of the
  classes they define; the code, defaults and keyword defaults of every function among
  them. All held by reference.

`Guard.problems` (called by the plugin after the first import, before each test body
and when each test ends) lists what was attempted or differs; any finding voids the
kata. So the grader's own code must not rebind a module global (``global x``) or a
class attribute while tests run: mutable state goes in a dict or on an instance. The
event loop's clock is protected separately (graders.clock: ``loop.time`` cannot be
shadowed on the instance). The fork server calls `prepare` once, so that a job only
takes the values.

What this does not catch, and cannot in the same process: code that goes looking for
the grader's private state on purpose (the garbage collector, stack frames, closures,
``ctypes``), or that patches something and undoes it before the grader looks again.
See README, "Security".
"""

from __future__ import annotations

import sys
import threading
import types
from operator import attrgetter, is_

#: Modules sealed and snapshotted: these names and everything below them.
SEALED = (
    "graders",
    "asyncio",
    "pytest",
    "_pytest",
    "pluggy",
    "pytest_asyncio",
    "pytest_timeout",
    "json",
    "hmac",
)
#: Snapshotted only (blockbuster rebinds their functions while a test runs, and puts
#: them back; the checks run while it is inactive).
WATCHED = ("builtins", "time")
#: Modules whose every value counts (the rest: classes, functions and other callables).
FULL = ("graders",)

_MISSING = object()
_HEAPTYPE = 1 << 9
_code = attrgetter("__code__")
_defaults = attrgetter("__defaults__")
_kwdefaults = attrgetter("__kwdefaults__")
_attempts: list[str] = []
_rules: dict = {"learner": None, "tests": frozenset(), "trusted": frozenset(), "monkeypatch": None}


def attempted(what: str) -> None:
    """Record an attempt refused by a tripwire (here, or graders.clock)."""
    if what not in _attempts:
        _attempts.append(what)


def _under(name: str, roots) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def _allowed(module, name: str, value) -> bool:
    if value is not _MISSING and module.__dict__.get(name, _MISSING) is value:
        return True  # no change
    if (
        isinstance(value, types.ModuleType)
        and sys.modules.get(f"{module.__name__}.{name}") is value
    ):
        return True  # the import system binding a submodule to its package
    learner, tests = _rules["learner"], _rules["tests"]
    caller = sys._getframe(2)
    frame = caller
    in_test = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename == learner:
            return False
        in_test = in_test or filename in tests
        frame = frame.f_back
    code = caller.f_code
    if code.co_filename in _rules["trusted"] and (
        name in code.co_names or code.co_filename == _rules["monkeypatch"]
    ):
        # The grader's own code (pytest sets some of its module attributes), or pytest's
        # monkeypatch undoing what a hidden test patched.
        return True
    return in_test  # a hidden test's own monkeypatch, not called from kata code


def _refuse(module, name: str) -> None:
    what = f"{module.__name__}.{name}"
    attempted(what)
    raise AttributeError(f"{what} belongs to the grader: kata code must not replace or delete it.")


class _SealedModule(types.ModuleType):
    def __setattr__(self, name, value):
        if not _allowed(self, name, value):
            _refuse(self, name)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if not _allowed(self, name, _MISSING):
            _refuse(self, name)
        super().__delattr__(name)


def _functions_in(value) -> list:
    """The Python functions behind a class attribute or module value."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [
            f for f in (value.fget, value.fset, value.fdel) if isinstance(f, types.FunctionType)
        ]
    return [value] if isinstance(value, types.FunctionType) else []


class _Dict:
    """One namespace held by reference: its values in order, for a fast comparison.
    ``full``: every value counts; else only those that were callable (functions, classes),
    as a library's data (asyncio's current policy, pytest's state) changes as it runs."""

    __slots__ = ("full", "keys", "label", "namespace", "values")

    def __init__(self, label: str, namespace: dict, full: bool):
        self.label = label
        self.namespace = namespace
        self.full = full
        self.take()

    def take(self) -> None:
        self.keys = tuple(self.namespace)
        self.values = tuple(self.namespace.values())

    def same(self) -> bool:
        namespace = self.namespace
        return len(namespace) == len(self.keys) and all(map(is_, namespace.values(), self.values))

    def changes(self) -> list[str]:
        namespace = self.namespace
        found = [
            f"{self.label}.{key}"
            for key, value in zip(self.keys, self.values, strict=True)
            if namespace.get(key, _MISSING) is not value and (self.full or callable(value))
        ]
        if self.full:
            known = set(self.keys)
            found += [
                f"{self.label}.{key}"
                for key, value in namespace.items()
                if key not in known
                and key != "__warningregistry__"  # the warnings machinery's, per module
                and not (isinstance(value, types.ModuleType) and value.__name__.endswith(f".{key}"))
            ]
        if not found and self.full:
            self.take()  # grew in a harmless way (a lazily imported submodule)
        return found


class Guard:
    def __init__(self):
        self._dicts: list[_Dict] = []
        self._modules: set[int] = set()
        self._seen: set[int] = set()
        self._found: dict[int, tuple[str, types.FunctionType]] = {}
        self.take()

    def add(self, modules: list[types.ModuleType], full: set[str]) -> None:
        """Watch ``modules`` too (the costly part: done once in the fork server)."""
        functions = self._found
        for module in modules:
            if id(module) in self._modules:
                continue
            self._modules.add(id(module))
            name = module.__name__
            namespace = vars(module)
            self._dicts.append(_Dict(name, namespace, name in full))
            for key, value in list(namespace.items()):
                for function in _functions_in(value):
                    functions.setdefault(id(function), (f"{name}.{key}", function))
                if (
                    isinstance(value, type)
                    and value.__module__ == name
                    and value.__flags__ & _HEAPTYPE
                    and id(value) not in self._seen
                ):
                    self._seen.add(id(value))
                    label = f"{name}.{value.__qualname__}"
                    self._dicts.append(_Dict(label, value.__dict__, True))
                    for attr, member in list(value.__dict__.items()):
                        for function in _functions_in(member):
                            functions.setdefault(id(function), (f"{label}.{attr}", function))
        self.take()

    def take(self) -> None:
        """Accept everything watched as it is now (the snapshot)."""
        for namespace in self._dicts:
            namespace.take()
        self._labels = tuple(label for label, _ in self._found.values())
        self._functions = tuple(function for _, function in self._found.values())
        self._codes = tuple(map(_code, self._functions))
        self._defaults = tuple(map(_defaults, self._functions))
        self._kwdefaults = tuple(map(_kwdefaults, self._functions))

    def problems(self) -> list[str]:
        """What kata code attempted or changed since `install`, named; [] if nothing."""
        found = list(_attempts)
        for namespace in self._dicts:
            if not namespace.same():
                found += namespace.changes()
        functions = self._functions
        for getter, saved, what in (
            (_code, self._codes, "its code"),
            (_defaults, self._defaults, "its default arguments"),
            (_kwdefaults, self._kwdefaults, "its keyword defaults"),
        ):
            if not all(map(is_, map(getter, functions), saved)):
                found += [
                    f"{label} ({what})"
                    for label, function, value in zip(self._labels, functions, saved, strict=True)
                    if getter(function) is not value
                ]
        return list(dict.fromkeys(found))


_prepared: list[Guard] = []


def _grader_modules() -> tuple[list[types.ModuleType], list[types.ModuleType]]:
    """(the modules to seal and watch, the modules only watched), loaded now."""
    sealed = [m for n, m in list(sys.modules.items()) if _under(n, SEALED) and _is_module(m)]
    watched = [sys.modules[n] for n in WATCHED if n in sys.modules]
    return sealed, watched


def prepare() -> None:
    """In the fork server, before any job: find what to watch among the modules loaded
    so far (~20 ms), so that each job only takes the values (~2 ms)."""
    sealed, watched = _grader_modules()
    guard = Guard()
    guard.add(sealed + watched, {m.__name__ for m in sealed if _under(m.__name__, FULL)})
    _prepared[:] = [guard]


def install(learner_file: str, test_modules: list[types.ModuleType]) -> Guard:
    """Seal the grader's modules and snapshot them (see the module docstring)."""
    _rules["learner"] = learner_file
    _rules["tests"] = frozenset(
        getattr(m, "__file__", None) for m in test_modules if getattr(m, "__file__", None)
    )
    sealed, watched = _grader_modules()
    sealed += [m for m in test_modules if m not in sealed]
    _rules["trusted"] = (
        frozenset(m.__file__ for m in sealed if isinstance(getattr(m, "__file__", None), str))
        - _rules["tests"]
    )
    _rules["monkeypatch"] = getattr(sys.modules.get("_pytest.monkeypatch"), "__file__", None)
    full = {m.__name__ for m in sealed if _under(m.__name__, FULL)}
    full |= {m.__name__ for m in test_modules}
    guard = _prepared[0] if _prepared else Guard()
    guard.add(sealed + watched, full)  # what the fork server had not loaded yet
    for module in sealed:
        if type(module) is types.ModuleType:
            module.__class__ = _SealedModule
    return guard


def _is_module(value) -> bool:
    return isinstance(value, types.ModuleType)


def write_gate(hooks, helpers=(), threads=None):
    """A check for graders.channel.Writer: a result may only be written by one of the
    plugin's ``hooks`` called by pluggy itself (through any of ``helpers``), or from
    one of ``threads()``. Kata code calling the plugin's functions or its writer
    (directly, from a thread, a loop callback, a finalizer) is refused: the gate returns
    the message the writer records instead."""
    try:
        from pluggy._callers import _multicall
    except ImportError:  # pragma: no cover - another pluggy: no gate rather than no grade
        return None
    hook_codes = frozenset(f.__code__ for f in hooks)
    helper_codes = frozenset(f.__code__ for f in helpers)
    caller = _multicall.__code__
    current = threading.current_thread

    def gate() -> str | None:
        if threads is not None and current() in threads():
            return None
        frame = sys._getframe(2)  # skip the gate and the writer
        while frame is not None and frame.f_code in helper_codes:
            frame = frame.f_back
        if (
            frame is not None
            and frame.f_code in hook_codes
            and frame.f_back is not None
            and frame.f_back.f_code is caller
        ):
            return None
        attempted("the grader's results channel")
        return message(["wrote a result through the grader's own writer"])

    return gate


def message(problems: list[str]) -> str:
    shown = ", ".join(problems[:6]) + (
        f" and {len(problems) - 6} more" if len(problems) > 6 else ""
    )
    return (
        f"your code interfered with the grader while it was being graded ({shown}). "
        "Kata code must not replace or modify the grader, asyncio, pytest or the objects "
        "the tests use to judge it, nor write results itself, so no test of this kata "
        "can be trusted: it scores 0.\n"
        "hint: solve the kata with asyncio alone; if you did not mean to patch anything, "
        "look for assignments to module or class attributes in kata.py."
    )
