"""The sandbox every briefing template runs in, and what it refuses: a template is the office's text, and an
office's text may be wrong, careless or hostile; none of that may hang, exhaust or change the service.

- **Time**: ``deadline`` stops a render that runs past its limit wherever it is (a bare nested loop that
  calls nothing included). One watchdog thread per process waits for the earliest deadline and raises
  ``Stopped`` in the rendering thread (``PyThreadState_SetAsyncExc``); the render pays for a lock and a
  dictionary entry, not a trace function on every call. A single C call (a sort of ten million items) is
  stopped when it returns.
- **Size**: a string, list or number a template computes (``*``, ``+``, ``**``, ``%``, ``~``, ``join``, ``center``,
  ``format`` …) is refused before it is made when it would pass MAX_ITEMS (or an integer MAX_BITS); what a
  render prints is refused past MAX_OUTPUT characters.
- **Data**: what a template receives cannot be changed by it (``亮点.append`` is refused); only the lists and
  dicts the template wrote itself (``{% set said = [] %}``) can be appended to.
- **Sameness**: what varies between runs is refused (``|random``, ``lipsum``, anything printed with a memory
  address, like a generator), so a briefing remade from the same data has the same bytes.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
import types
from pathlib import Path
from typing import Any, Callable

import jinja2
from jinja2 import filters as builtin
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment, modifies_known_mutable

from ..errors import TemplateError
from ..i18n import N_, _

MAX_ITEMS = 10_000_000          # characters of a string, items of a list a template may compute
MAX_OUTPUT = 20_000_000         # characters a render may print
MAX_BITS = 4096                 # an integer's size (10**1233)
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
SAFE_CACHED = 4096              # (type, attribute) verdicts kept per process; past that, each is decided anew
_METHODS = (types.MethodType, types.BuiltinMethodType)      # neither can be subclassed: type() is exact
WIDTH = re.compile(r"%[-#0 +]*(\*|\d{8,})|\{[^{}]*:[^{}]*?\d{8,}")   # a width of 10**7 or more, or one given as *


class Stopped(BaseException):
    """Raised in a rendering thread when its deadline passes: a BaseException, so no ``except Exception``
    in a template function can swallow it."""


class _Watchdog:
    """One thread per process that raises Stopped in each rendering thread whose deadline has passed."""

    def __init__(self):
        self.pid = None
        self.cond = threading.Condition()
        self.waiting: dict[int, tuple[float, int]] = {}   # token: (deadline, thread id)
        self.fired: set[int] = set()
        self.tokens = 0

    def start(self, limit_s: float) -> int:
        with self.cond:
            if self.pid != os.getpid():                  # first use, or a forked worker (threads do not fork)
                self.pid, self.waiting, self.fired = os.getpid(), {}, set()
                threading.Thread(target=self._run, name="template-deadline", daemon=True).start()
            self.tokens += 1
            self.waiting[self.tokens] = (time.monotonic() + limit_s, threading.get_ident())
            self.cond.notify()
            return self.tokens

    def stop(self, token: int) -> bool:
        """Whether the deadline fired; an exception still pending for the thread is withdrawn."""
        with self.cond:
            self.waiting.pop(token, None)
            if token not in self.fired:
                return False
            self.fired.discard(token)
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)
            return True

    def _run(self) -> None:
        with self.cond:
            while True:
                now = time.monotonic()
                for token, (end, thread) in list(self.waiting.items()):
                    if end <= now:
                        del self.waiting[token]
                        self.fired.add(token)
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(Stopped))
                ends = [end for end, _ in self.waiting.values()]
                self.cond.wait(min(ends) - now if ends else None)


_WATCHDOG = _Watchdog()


class deadline:
    """``with deadline(10):`` raises Stopped in this thread if the block is still running 10 s later."""

    def __init__(self, limit_s: float):
        self.limit_s = limit_s

    def __enter__(self):
        self.token = _WATCHDOG.start(self.limit_s)
        return self

    def __exit__(self, *exc: Any) -> bool:
        try:
            _WATCHDOG.stop(self.token)
        except Stopped:                 # it fired as the block ended: the block's own outcome stands
            _WATCHDOG.stop(self.token)
        return False


class OwnList(list):
    """A list the template wrote itself (``[]``, ``[1, 2]``, ``x|list``): it may append to it."""


class OwnDict(dict):
    """A dict the template wrote itself (``{}``, ``dict(a=1)``)."""


def own(value: Any) -> Any:
    if type(value) is list:
        return OwnList(value)
    if type(value) is dict:
        return OwnDict(value)
    return value


class _Generator(CodeGenerator):
    """Jinja2's compiler, making the template's list and dict literals its own, and its ``~`` checked."""

    def visit_List(self, node, frame) -> None:
        self.write("environment.own(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node, frame) -> None:
        self.write("environment.own(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Const(self, node, frame) -> None:
        if isinstance(node.as_const(frame.eval_ctx), (list, dict)):      # [] folded into a constant
            self.write("environment.own(")
            super().visit_Const(node, frame)
            self.write(")")
        else:
            super().visit_Const(node, frame)

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.sized(")
        super().visit_Concat(node, frame)
        self.write(")")


def too_big(what: str, size: int, limit: int = MAX_ITEMS) -> TemplateError:
    return TemplateError(_("{what} would make {size} items, more than the {limit} a template may").format(
                         what=what, size=f"{size:,}", limit=f"{limit:,}"),
                         hint=_("A briefing needs nothing that large; check the template's arithmetic."))


def oversized(value: Any) -> bool:
    """Whether ``sized`` would refuse the value."""
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > MAX_ITEMS
    return isinstance(value, int) and value.bit_length() > MAX_BITS


def sized(value: Any, what: str = "the expression") -> Any:
    """The value, if it is not too large."""
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_ITEMS:
        raise too_big(what, len(value))
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise TemplateError(_("{what} makes an integer of {bits} bits, more than {limit}").format(
            what=what, bits=value.bit_length(), limit=MAX_BITS))
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def binop(operator: str, left: Any, right: Any) -> Any:
    """``left operator right``, refused before it is made if its result would be too large."""
    what = f"{type(left).__name__} {operator} {type(right).__name__}"
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and _length(seq) * n > MAX_ITEMS:
                raise too_big(what, _length(seq) * n)
    elif operator == "+" and _length(left) + _length(right) > MAX_ITEMS:
        raise too_big(what, _length(left) + _length(right))
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
        if right * abs(left).bit_length() > MAX_BITS * 2:
            raise TemplateError(_("{left} ** {right} makes an integer of more than {limit} bits").format(
                left=left, right=right, limit=MAX_BITS))
    elif operator == "%" and isinstance(left, str):
        _check_widths(left)
    try:
        result = SandboxedEnvironment.default_binop_table[operator](left, right)
    except (TypeError, ValueError, LookupError, ArithmeticError) as exc:     # the template's own mistake
        raise TemplateError(_("{where}: {message}").format(where=exc.__class__.__name__, message=exc)) from None
    return sized(result, what)


def _check_widths(fmt: str) -> None:
    found = WIDTH.search(fmt)
    if found:
        raise TemplateError(_("the format '{format}' asks for a width too large (or one given as *)").format(
            format=found.group(0)))


STR_WIDTH = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def _check_call(obj: Any, args: tuple, kwargs: dict) -> Any:
    """Refuse a string method whose result would be too large, before it is made; the object whose method
    it is (None for a function)."""
    owner = getattr(obj, "__self__", None)
    wrapped = getattr(getattr(obj, "__wrapped__", None), "__self__", None)    # the sandbox's str.format
    if isinstance(wrapped, str):
        _check_widths(wrapped)
    if not isinstance(owner, str):
        return owner
    name = getattr(obj, "__name__", "")
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
    if name in STR_WIDTH and any(n > MAX_ITEMS for n in numbers):
        raise too_big(f"str.{name}", max(numbers))
    if name == "replace" and len(args) >= 2 and isinstance(args[1], str):
        size = len(owner) + (len(owner) + 1) * len(args[1])
        if size > MAX_ITEMS:
            raise too_big("str.replace", size)
    if name == "join":
        _check_join(owner, args[0] if args else ())
    return owner


def _check_join(separator: str, items: Any) -> None:
    if isinstance(items, (str, list, tuple, range)):
        size = len(separator) * max(len(items) - 1, 0) + sum(_length(i) for i in items)
        if size > MAX_ITEMS:
            raise too_big("join", size)


def _join(eval_ctx, value, d: str = "", attribute=None):
    value = list(value) if not isinstance(value, (str, list, tuple, range)) else value
    if attribute is None:
        _check_join(str(d), [str(v) for v in value])
    return sized(builtin.sync_do_join(eval_ctx, value, d, attribute), "join")


def _widened(name: str, fn: Callable, at: int, keyword: str) -> Callable:
    """A built-in filter refusing a width, indent or count argument (positional ``at`` or ``keyword``) beyond
    MAX_ITEMS, before it is used."""
    def checked(*args: Any, **kwargs: Any) -> Any:
        n = args[at] if len(args) > at else kwargs.get(keyword)
        if isinstance(n, int) and n > MAX_ITEMS:
            raise too_big(f"|{name}", n)
        return sized(fn(*args, **kwargs), f"|{name}")
    return checked


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_widths(str(value))
    return sized(builtin.do_format(value, *args, **kwargs), "|format")


def _refused(name: str, instead: str) -> Callable:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise TemplateError(_("{name} gives a different result each time, so a briefing made again would "
                              "differ").format(name=name), hint=_(instead))
    return refused


_SAFE: dict[tuple[type, str], bool] = {}


class Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, bounded in size and kept to the template's own lists (see the module's docstring)."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "+", "**", "%"})
    own = staticmethod(own)
    sized = staticmethod(sized)

    def __init__(self, *args: Any, finalize: Callable[[Any], Any] | None = None, **kwargs: Any):
        super().__init__(*args, finalize=self._print, **kwargs)
        self.marks, self.printed = finalize or (lambda v: v), 0
        self.filters.update({
            "join": jinja2.pass_eval_context(_join), "format": _format, "list": lambda v: OwnList(v),
            "center": _widened("center", builtin.do_center, 1, "width"),
            "indent": _widened("indent", builtin.do_indent, 1, "width"),
            "wordwrap": jinja2.pass_environment(_widened("wordwrap", builtin.do_wordwrap, 2, "width")),
            "slice": _widened("slice", builtin.sync_do_slice, 1, "slices"),
            "batch": _widened("batch", builtin.do_batch, 1, "linecount"),
            "tojson": jinja2.pass_eval_context(_widened("tojson", builtin.do_tojson, 2, "indent")),
            "random": _refused("|random", N_("Choose among phrasings with 选一(…), the same for the same briefing.")),
        })
        self.globals.update({"lipsum": _refused("lipsum()", N_("Write the text.")), "dict": lambda **kw: OwnDict(kw)})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return binop(operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja2's verdict and ours depend on the object's type and the attribute's name only (never on the
        value), so each (type, name) is decided once per process."""
        key = (type(obj), attr)
        safe = _SAFE.get(key)
        if safe is None:
            safe = super().is_safe_attribute(obj, attr, value) and (
                isinstance(obj, (OwnList, OwnDict)) or not modifies_known_mutable(obj, attr))
            if len(_SAFE) < SAFE_CACHED:
                _SAFE[key] = safe
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` as Jinja2's sandbox reads it (the attribute, else the item, else undefined), with
        str.format wrapped only when the value is a method: the same outcome in fewer steps."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        if type(value) in _METHODS:
            fmt = self.wrap_str_format(value)
            if fmt is not None:
                return fmt
        safe = _SAFE.get((type(obj), attribute))             # is_safe_attribute's verdict, when kept
        if safe or (safe is None and self.is_safe_attribute(obj, attribute, value)):
            return value
        return self.unsafe_undefined(obj, attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = _check_call(__obj, args, kwargs)
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        except Exception as exc:
            if isinstance(getattr(__obj, "__wrapped__", None), Callable) and __obj.__name__ in ("format", "format_map"):
                raise TemplateError(_("{where}: {message}").format(where=f"{__obj.__name__}: {exc.__class__.__name__}",
                                                                      message=exc)) from None
            raise
        if isinstance(owner, (OwnList, OwnDict)) and oversized(owner):
            sized(owner, f"{type(owner).__name__[3:].lower()}.{getattr(__obj, '__name__', '')}")
        if oversized(result):
            sized(result, f"{getattr(__obj, '__name__', 'the call')}(…)")
        return result

    def _print(self, value: Any) -> Any:
        """What ``{{ … }}`` prints: marked (provenance.finalize), never with a memory address, and within
        MAX_OUTPUT in all."""
        value = self.marks(value)
        if isinstance(value, jinja2.Undefined):
            return value                       # StrictUndefined raises as the template prints it
        text = value if isinstance(value, str) else str(value)
        if " at 0x" in text and ADDRESS.search(text):
            raise TemplateError(_("{text} is not text: it prints a memory address, different every run").format(
                text=repr(text[:80])), hint=_("Loop over it, or make it a list with |list, before printing it."))
        self.printed += len(text)
        if self.printed > MAX_OUTPUT:
            raise TemplateError(_("the template printed more than {limit} characters").format(limit=f"{MAX_OUTPUT:,}"),
                                hint=_("A briefing is a few pages; check its loops."))
        return text


class FolderLoader(jinja2.FileSystemLoader):
    """Templates from one folder only: a name with ``..`` or an absolute path is TemplateNotFound, and so is a
    symbolic link leading out of the folder of templates the folder is in (``templates/bulletin`` may link to
    a sibling folder's ``sections.md.j2``, never to ``/etc``)."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.root = Path(folder).resolve().parent

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", template):
            raise jinja2.TemplateNotFound(_("{template} (an absolute path: templates are named inside their folder)").format(
                template=template))
        source, filename, _uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise jinja2.TemplateNotFound(_("{template} (it leads outside the folder of templates)").format(template=template))

        def uptodate() -> bool:
            """Whether the file still reads the same (a file's time may not move when it is written twice within
            the clock's tick): a kept environment loads a template again, with these checks, when it changed."""
            try:
                with open(filename, encoding=self.encoding) as file:
                    return file.read() == source
            except OSError:
                return False
        return source, filename, uptodate
