"""Briefing templates: one folder per kind, holding ``template.toml`` (its settings) and
``briefing.md.j2`` (Jinja2 writing the block markup of markup.py).

Templates are run in Jinja2's sandbox with StrictUndefined: a misspelt name, a reach for ``__class__``
or a loop that does not end is an error naming the template file and line, never a blank or a hang in
a sent briefing. Folders are looked up in the ``template_dirs`` setting first, then in the built-in
``templates/`` folder, so an office can add its own kinds or override ours.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from jinja2 import StrictUndefined
from jinja2.debug import rewrite_traceback_stack

from ..errors import TemplateError
from ..figures.phrasing import Style
from ..i18n import N_, _
from ..settings import TOP, decode_line, line_of, unknown_key, wrong_type
from . import cache, provenance
from . import sandbox as sandbox_mod
from .sandbox import FolderLoader, Sandbox, Stopped, deadline

log = logging.getLogger(__name__)
# the package's templates/: a link to the top-level templates/ in a checkout, a copy of it in an installed wheel
BUILT_IN = (Path(__file__).parents[1] / "templates").resolve()
_JINJA = Path(jinja2.__file__).resolve().parent
MAIN = "briefing.md.j2"
TIME_LIMIT_S = 10.0
_ENVIRONMENTS = threading.local()
KNOWN = {"name": str, "description": str, "period": str, "title": str, "fixed_numbers": list,   # template.toml's
         "style": dict, "metadata": dict}                                                        # keys, their types
TABLES = {"style": {key: type(value) for key, value in vars(Style()).items()},
          "metadata": dict.fromkeys(("source", "author", "editor"), str)}
PLACES = dict.fromkeys(KNOWN, TOP) | {key: f"in [{table}]" for table, keys in TABLES.items() for key in keys}


@dataclass(frozen=True)
class Template:
    """A briefing kind: its folder and settings."""

    key: str                        # the folder name: weekly, summary
    folder: Path
    name: str                       # 周报, 工作总结: used in file names
    description: str = ""
    period: str = "week"            # the period kind one briefing covers ('day' for a summary as of a date)
    title: str = "{地区}{名称}"      # the document title, from 地区, 名称 and 期间
    style: Style = Style()
    metadata: dict[str, str] = field(default_factory=dict)     # 来源, 作者, 责任编辑
    fixed_numbers: tuple[str, ...] = ()   # the template's own numbers, not figures ("3个重点帮扶旗")

    @property
    def path(self) -> Path:
        return self.folder / MAIN


def folders(extra: list[str] | None = None) -> list[Path]:
    return [Path(d) for d in (extra or []) if d] + [BUILT_IN]


def available(extra: list[str] | None = None) -> list[Template]:
    """Every template that can be used, the first of each name winning (an office's own over ours)."""
    seen: dict[str, Template] = {}
    for folder in folders(extra):
        for child in sorted(folder.glob("*/template.toml")) if folder.is_dir() else []:
            key = child.parent.name
            if key not in seen:
                seen[key] = load_folder(child.parent)
    return list(seen.values())


def load(key: str, extra: list[str] | None = None) -> Template:
    for folder in folders(extra):
        if (folder / key / "template.toml").is_file():
            return load_folder(folder / key)
    names = ", ".join(t.key for t in available(extra)) or _("none")
    raise TemplateError(_("there is no template '{key}'").format(key=key),
                        hint=_("Templates: {names}. List them with `briefing templates`.").format(names=names))


def load_folder(folder: Path, strict: bool = True) -> Template:
    """A template folder's settings, checked: an unknown key, a key in the wrong table or a value of the wrong
    type is an error naming template.toml, the line and the key (never silently ignored). Not ``strict`` (the
    stored sources of a briefing made before a check existed), such a key is logged and left out, so the
    briefing can still be made again exactly as it was. Read once a process while template.toml stays the same
    file (a backfill made it again for every briefing)."""
    try:
        seen = (folder / "template.toml").stat()
    except OSError:
        return _load_folder(folder, strict)      # says why it cannot be read
    return _kept_folder(folder, strict, seen.st_mtime_ns, seen.st_size, seen.st_ino, (folder / MAIN).is_file())


@lru_cache(maxsize=64)
def _kept_folder(folder: Path, strict: bool, mtime_ns: int, size: int, inode: int, has_main: bool) -> Template:
    return _load_folder(folder, strict)


def _load_folder(folder: Path, strict: bool) -> Template:
    settings_file = folder / "template.toml"
    try:
        text = settings_file.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(str(exc), str(settings_file)) from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(str(exc), str(settings_file), decode_line(exc)) from None
    try:
        _check(data, text, settings_file)
    except TemplateError as exc:
        if strict:
            raise
        log.warning("%s (left out: the template is a stored one, made before this was checked)", exc.message)
    if not (folder / MAIN).is_file():
        raise TemplateError(_("the folder has no {file}").format(file=MAIN), str(folder))
    known = {table: {k: v for k, v in data.get(table, {}).items() if k in keys} for table, keys in TABLES.items()}
    return Template(folder.name, folder, data.get("name", folder.name), data.get("description", ""),
                    data.get("period", "week"), data.get("title", "{地区}{名称}"), Style(**known["style"]),
                    known["metadata"], tuple(data.get("fixed_numbers", ())))


def _check(data: dict, text: str, settings_file: Path) -> None:
    for table, keys in [("", KNOWN), *TABLES.items()]:
        label = f"[{table}]" if table else ""
        for key, value in (data.get(table, {}) if table else data).items():
            line = line_of(text, *((table, key) if table else (key,)))
            if key not in keys:
                noun = "table" if isinstance(value, dict) else "key"
                hint = _("Move that line there.") if key in PLACES else _("{table} has: {keys}.").format(
                    table=label or _("The top"), keys=", ".join(keys))
                raise TemplateError(unknown_key(key, keys, label, noun, PLACES), str(settings_file), line, hint)
            problem = wrong_type(key, value, keys[key])
            if problem:
                raise TemplateError(_("{where}: {message}").format(where=label, message=problem) if label else problem,
                                    str(settings_file), line)


def sources(template: Template) -> dict[str, str]:
    """Every file of a template's folder, by its path inside the folder: what a remake needs to run the
    template exactly as it was."""
    out = {}
    for path in sorted(template.folder.rglob("*")):
        relative = path.relative_to(template.folder)
        if path.is_file() and not any(part.startswith((".", "__")) for part in relative.parts):
            try:
                out[relative.as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise TemplateError(_("the template folder holds a file that is not UTF-8 text"), str(path),
                                    hint=_("Keep only the template's text files (template.toml, *.j2) in it.")) from None
    return out


def version_of(files: dict[str, str]) -> str:
    """A short fingerprint of a template's sources; equal sources, equal versions."""
    return hashlib.sha256(json.dumps(files, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def from_sources(key: str, files: dict[str, str], into: Path) -> Template:
    """A template written out from its stored sources into a folder (a temporary one), and loaded."""
    folder = into / key
    for name, text in files.items():
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise TemplateError(_("stored template source '{name}' points outside its folder").format(name=name), key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return load_folder(folder, strict=False)


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept in memory for the life of the process and on disk in the cache folder (cache.py)
    for the next one. Each briefing gets a fresh environment (its own figures), but compiling the templates was
    two thirds of a warm briefing's cost and 20-30 ms of every start. Jinja2 checks each entry against the
    source's checksum, so an edited template is compiled anew; the entry's name carries the template's path and
    everything else the compiled code depends on (FINGERPRINT), so no stale entry is ever read."""

    def __init__(self):
        super().__init__(directory="", pattern="%s.jinja")
        self.store: dict[str, bytes] = {}

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{FINGERPRINT}\0{name}\0{filename or ''}".encode()).hexdigest()[:40]

    def _on_disk(self) -> bool:
        """Whether compiled templates are kept on disk (the cache folder is usable), pointing there if so."""
        folder = cache.folder("templates")
        if folder is not None:
            self.directory = str(folder)
        return folder is not None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])
            return
        if not self._on_disk():
            return
        try:
            super().load_bytecode(bucket)
        except (EOFError, ValueError, TypeError, OSError, pickle.UnpicklingError) as exc:   # damaged: compile anew
            log.debug("compiled template %s unreadable (%s)", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()
        if not self._on_disk():
            return
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:                   # a full or read-only disk: the cache is only a shortcut
            log.debug("compiled template %s not kept (%s)", bucket.key, exc)


def _fingerprint() -> str:
    """What compiled code depends on besides the template's source: the versions of Python, Jinja2 and briefing,
    and the sources of our compiler and environment (sandbox.py's code generator, the options set here)."""
    package = sys.modules[__name__.partition(".")[0]]          # briefing itself, imported before any of its modules
    parts = [sys.implementation.cache_tag or "", jinja2.__version__, package.__version__]
    for module in (sandbox_mod, sys.modules[__name__]):
        try:
            parts.append(hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest())
        except (OSError, TypeError):
            parts.append(repr(getattr(module, "__file__", None)))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


FINGERPRINT = _fingerprint()
_COMPILED = CompiledTemplates()


def environment(template: Template) -> Sandbox:
    """A sandboxed Jinja2 environment reading the template's folder, and nothing outside it (for includes
    and macros). One per folder and thread, kept: the briefings of a backfill or a server share its loaded
    templates (Jinja2 still reloads a file that changed), each setting its own figures on it
    (template_api.install) before it renders; a thread never sees another's."""
    kept = _ENVIRONMENTS.__dict__.setdefault("by_folder", {})
    env = kept.get(template.folder)
    if env is None:
        env = kept[template.folder] = sandbox(FolderLoader(template.folder))
    return env


def sandbox(loader: jinja2.BaseLoader | None = None) -> Sandbox:
    """The environment every template runs in: sandboxed and bounded (sandbox.py), a misspelt name an
    error, whitespace as written, and each printed value marked by whose it is (provenance.py)."""
    return Sandbox(loader=loader, undefined=StrictUndefined, autoescape=False,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                   bytecode_cache=_COMPILED, finalize=provenance.finalize)


def render(env: Sandbox, template: Template, context: dict[str, Any], limit_s: float | None = None) -> str:
    """The template's markup; TemplateError with the file and line of whatever the template did wrong.

    What the template's own code does wrong (a misspelt name, 1/0, a wrong argument to a call, a loop that
    does not end, a value too large, a macro calling itself for ever) and what it asks of the data that the
    data cannot give (TemplateDataError) are template errors at its line. An exception raised inside our own
    template functions is a bug in them and is not dressed up as one."""
    limit_s = limit_s or TIME_LIMIT_S
    try:
        jt = env.get_template(MAIN)
        env.printed = 0
        with deadline(limit_s):
            return jt.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or str(exc), str(template.folder / (exc.name or MAIN)), exc.lineno) from None
    except TemplateError as exc:
        if exc.line is None:
            exc.locate(*_template_frame(exc, template))
        raise exc.with_traceback(None) from None
    except (Stopped, RecursionError, MemoryError, jinja2.TemplateNotFound):
        exc = rewrite_traceback_stack()        # the template's lines, as Jinja2 gives them for an Exception
        message = (_(_STOPPED[type(exc)]).format(seconds=f"{limit_s:g}") if type(exc) in _STOPPED
                   else _("{where}: {message}").format(where=type(exc).__name__, message=exc))
        raise TemplateError(message, *_template_frame(exc, template)) from None
    except (jinja2.TemplateError, ValueError, TypeError, LookupError, ArithmeticError) as exc:
        if not _raised_by_the_template(exc, template):
            raise
        file, line = _template_frame(exc, template)
        hint = _("Check the name against docs/templates.md.") if isinstance(exc, jinja2.UndefinedError) else None
        raise TemplateError(_("{where}: {message}").format(where=exc.__class__.__name__, message=exc), file, line,
                            hint) from None


_STOPPED = {Stopped: N_("the template ran longer than {seconds} s and was stopped (a loop without end?)"),
            RecursionError: N_("the template called itself too deeply (a macro without end?)"),
            MemoryError: N_("the template ran out of memory")}


def _template_frame(exc: BaseException, template: Template) -> tuple[str, int | None]:
    """The template file and line of the innermost frame of an error inside a template."""
    found: tuple[str, int | None] = (str(template.path), None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.startswith(str(template.folder)):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _raised_by_the_template(exc: BaseException, template: Template) -> bool:
    """Whether the innermost frame of the error is the template's own compiled code or Jinja2's runtime
    acting for it (a call with wrong arguments, a sandboxed attribute); not a function the template called."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    filename = tb.tb_frame.f_code.co_filename
    return (filename.endswith(".j2") or filename.startswith(str(template.folder))
            or Path(filename).is_relative_to(_JINJA))
