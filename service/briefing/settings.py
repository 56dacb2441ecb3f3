"""Configuration as one declared table.

Each setting has a name, a type, a default and help. Values come, last one winning, from the
defaults, a TOML file (``--config``, ``BRIEFING_CONFIG``, or ``briefing.toml`` in the current
folder when present), ``BRIEFING_<NAME>`` environment variables, and command-line options.
A relative path written in the file is from the file's folder (wherever the command runs); one given
in a variable or on the command line is from the current folder.
The result is a plain ``Settings`` object passed explicitly; there is no global configuration.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from .errors import UsageError
from .i18n import N_, _


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "data/briefing.db", "Path of the SQLite database.", str),
    Setting("timezone", "Asia/Shanghai", "Time zone for times written without an offset (录入时间, --as-of).", str),
    Setting("template_dirs", "", "Folders of your own briefing templates, searched before the built-in ones "
            "(separated by ':' or ';').", str),
    Setting("reference_docx", "", "A .docx whose styles briefings use instead of the built-in GB/T 9704 ones.", str),
    Setting("output_dir", "data/briefings", "Where `briefing generate` writes when no -o is given.", str),
    Setting("source", "", "来源 on the metadata line (overrides the template's).", str),
    Setting("author", "", "作者 on the metadata line and in the document properties.", str),
    Setting("editor", "", "责任编辑 on the metadata line.", str),
    Setting("report_to", "", "报: who a 工作简报 is reported to (superiors), names separated by 、 — when its schedule "
            "names no recipients.", str),
    Setting("send_to", "", "送: the peers a 工作简报 is sent to, names separated by 、 (likewise).", str),
    Setting("distribute_to", "", "发: the offices below a 工作简报 is issued to, names separated by 、 (likewise).", str),
    Setting("max_file_mb", 200, "`briefing ingest` refuses a file larger than this, in MB (a workbook: unpacked), "
            "before reading its rows.", int),
    Setting("max_rows", 2_000_000, "`briefing ingest` refuses a file (a workbook's sheet) with more rows than this.",
            int),
    Setting("busy_timeout_ms", 5000, "How long a write waits for another writer before giving up, in ms.", int),
    Setting("archive_dir", "data/archive", "Where scheduled and remade briefings are archived, by year and template.",
            str),
    Setting("lease_seconds", 600, "How long a claim on a briefing being made holds before another process may take "
            "it over (a claim of a process that died on this machine is taken over at once).", int),
    Setting("retention_days", 0, "`briefing archive prune` removes briefings older than this many days "
            "(0: keep them all).", int),
    Setting("retention_versions", 0, "`briefing archive prune` keeps this many newest versions of each briefing "
            "(0: keep them all).", int),
    Setting("tick_seconds", 60, "How often `briefing serve` looks for work beyond the schedules' own times "
            "(retries, claims left by a stopped process).", int),
    Setting("lang", "", "Language of messages and help: zh or en (empty: from the locale, else zh).", str),
    Setting("web_host", "127.0.0.1", "The address `briefing serve` and `briefing web` listen on (0.0.0.0: every "
            "address; put a TLS proxy in front, docs/web.md).", str),
    Setting("web_port", 8000, "The port the web pages and the API listen on.", int),
    Setting("secret_key", "", "The key that signs the web pages' session cookies (set it with BRIEFING_SECRET_KEY; "
            "empty: one made at first start and kept in web-secret beside the database).", str),
    Setting("max_upload_mb", 20, "The largest spreadsheet the web page and the API take, in MB.", int),
    Setting("session_hours", 12, "How long a web sign-in lasts, in hours.", int),
    Setting("public_url", "", "The address the archive is served at (https://…): robot messages and large email "
            "attachments link to the archived file under it (docs/delivery.md).", str),
)

_BY_NAME = {s.name: s for s in SETTINGS}
# The settings that are paths: written relative in a config file, they are from the file's folder (template_dirs
# holds several, separated by ':' or ';').
PATHS = ("db", "template_dirs", "reference_docx", "output_dir", "archive_dir")
SECTIONS = ("schedule", "channels", "recipients", "users")   # the file's tables ([[schedule]]: schedules.py;
# [channels.*] and [recipients]: checked here, used by delivery/; [users.*]: web/users.py)
CHANNEL_KINDS = ("email", "wecom", "dingtalk", "feishu", "webhook", "folder")   # delivery/kinds.py makes each


class Settings:
    """Resolved settings; attribute access by setting name."""

    def __init__(self, values: Mapping[str, Any], origin: Mapping[str, str], sections: Mapping[str, Any] | None = None,
                 path: Path | None = None):
        self._values = dict(values)
        self.origin = dict(origin)   # where each value came from: default, a file, a variable, the command line
        self.sections = dict(sections or {})   # the file's tables ([[schedule]] …), read by their own modules
        self.path = path                       # the config file read, if any

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not a setting (and unpickling asks before _values exists)
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def _coerce(setting: Setting, value: str, origin: str) -> Any:
    """A setting's value from an environment variable (text)."""
    try:
        return setting.parse(value)
    except ValueError:
        raise UsageError(_("{origin}: {name} = '{value}' is not a valid {kind}").format(
            origin=origin, name=setting.name, value=value, kind=setting.parse.__name__)) from None


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except FileNotFoundError:
        raise UsageError(_("config file {path} does not exist").format(path=path),
                         _("Give an existing file with --config.")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("config file {path} cannot be read: {error}").format(path=path, error=exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(_("{where}: {message}").format(where=located(path, decode_line(exc)), message=exc),
                         _("See docs/settings.md for the file's form.")) from None


def _from_file(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings and the tables ([[schedule]] …) of a config file; an unknown key or table, or a value of the
    wrong type, is an error naming the file, the line and the key."""
    text, data = _read_toml(path)
    values: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for name, value in data.items():
        where = located(path, line_of(text, name))
        if name in ("channels", "recipients", "users"):
            sections[name] = value
        elif name in SECTIONS:
            if not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
                raise UsageError(_("{where}: write {name}s as [[{name}]] tables, not {value}").format(
                                 where=where, name=name, value=toml_value(value)),
                                 _("Each one starts with a line [[{name}]]; see docs/schedules.md.").format(name=name))
            sections[name] = value
        elif name in _BY_NAME:
            setting = _BY_NAME[name]
            problem = wrong_type(name, value, setting.parse)
            if problem:
                raise UsageError(_("{where}: {message}").format(where=where, message=problem),
                                 _("Write it like {name} = {value}.").format(name=name,
                                                                             value=toml_value(setting.default)))
            values[name] = from_folder(value, path.parent, name == "template_dirs") if name in PATHS else value
        else:
            noun = "table" if isinstance(value, dict) else "setting"
            raise UsageError(_("{where}: {message}").format(where=where,
                                                            message=unknown_key(name, [*_BY_NAME, *SECTIONS], noun=noun)),
                             _("Settings: {names}; and [[schedule]] tables (docs/settings.md).").format(
                                 names=", ".join(_BY_NAME)))
    check_delivery(path, text, sections)
    return values, sections


def check_delivery(path: Path, text: str, sections: Mapping[str, Any]) -> None:
    """The [channels.NAME] tables (each with a known kind) and the [recipients] groups (each a list of members:
    "CHANNEL:ADDRESS" or a channel's name); an error names the file, the line, the table and the key."""
    channels, groups = sections.get("channels", {}), sections.get("recipients", {})

    def fail(where: tuple, key: str, message: str, hint: str | None = None):
        raise UsageError(_("{where}: {message}").format(
            where=located(path, line_of(text, *where) or line_of(text, *where[:-1]) or line_of(text, where[0])),
            message=_("{where}: {message}").format(where=key, message=message)), hint)

    for name, table in (channels.items() if isinstance(channels, dict) else [("", channels)]):
        if not isinstance(table, dict):
            fail(("channels", name), f"[channels.{name}]", _("must be a table with a kind"),
                 _('Write [channels.NAME] and under it kind = "email" and its settings (docs/delivery.md).'))
        kind = table.get("kind")
        if kind not in CHANNEL_KINDS:
            near = difflib.get_close_matches(str(kind), CHANNEL_KINDS, n=1)
            fail(("channels", name, "kind"), f"[channels.{name}] kind", (
                _("unknown kind {kind}").format(kind=toml_value(kind)) if kind is not None else _("missing"))
                + (_(". Did you mean '{near}'?").format(near=near[0]) if near else ""),
                _("Kinds: {kinds}.").format(kinds=", ".join(CHANNEL_KINDS)))
    if not isinstance(groups, dict):
        fail(("recipients",), "[recipients]", _("must be a table of groups"),
             _('Write it like [recipients] and under it 领导 = ["邮件:zhang@example.gov.cn", "办公室群"].'))
    for group, members in groups.items():
        if wrong_type(group, members, list):
            fail(("recipients", group), f"[recipients] {group}", wrong_type(group, members, list))
        for member in members:
            problem = member_problem(member, channels)
            if problem:
                fail(("recipients", group), f"[recipients] {group}", problem,
                     _("Channels: {names} ([channels.NAME] tables).").format(names=", ".join(channels) or _("none")))


def member_problem(member: str, channels: Mapping[str, Any]) -> str | None:
    """What is wrong with a recipient member ("CHANNEL:ADDRESS", or a channel's name), or None."""
    channel, _colon, address = member.partition(":")
    channel = channel.strip()
    if channel in channels:
        needs = isinstance(channels[channel], dict) and channels[channel].get("kind") == "email"
        return _("{member}: the channel {channel} needs an address after ':'").format(
            member=toml_value(member), channel=channel) if (_colon or needs) and not address.strip() else None
    near = difflib.get_close_matches(channel, list(channels), n=1)
    return _("{member}: there is no channel {channel}").format(member=toml_value(member), channel=toml_value(channel)) \
        + (_(". Did you mean '{near}'?").format(near=near[0]) if near else "")


def load(config: str | Path | None = None, env: Mapping[str, str] | None = None,
         overrides: Mapping[str, Any] | None = None) -> Settings:
    """Resolve every setting from defaults, config file, environment and overrides."""
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    source = {s.name: "default" for s in SETTINGS}
    path = Path(config) if config else (Path(env["BRIEFING_CONFIG"]) if env.get("BRIEFING_CONFIG") else None)
    if path is None and Path("briefing.toml").is_file():
        path = Path("briefing.toml")
    sections: dict[str, Any] = {}
    if path is not None:
        from_file, sections = _from_file(path)
        values.update(from_file)
        source.update(dict.fromkeys(from_file, str(path)))
    for s in SETTINGS:
        var = f"BRIEFING_{s.name.upper()}"
        if env.get(var):
            values[s.name] = _coerce(s, env[var], var)
            source[s.name] = var
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
            source[name] = "command line"
    return Settings(values, source, sections, path)


def from_folder(value: str, folder: Path, several: bool = False) -> str:
    """A path written in a config file, from the file's folder: data/briefing.db in /etc/briefing/briefing.toml
    is /etc/briefing/data/briefing.db; an absolute path (or an empty value) stays as it is."""
    parts = re.split(r"[:;]", value) if several else [value]
    return ":".join(str(folder / Path(part).expanduser()) if part else part for part in parts)


# --- TOML files: where a key is, and what to say of one that is wrong --------------------------------------
# tomllib, the parser, gives no line numbers. The line of a key is found by scanning the text: each line that
# starts outside a string, an array or an inline table is a [table] header, a key = value, or neither; each
# header or key is known by its path, which tomllib itself reads from the header's or key's own text.

TOP = N_("at the top of the file, before any [table]")      # a place for unknown_key; in [style] is another
_NOUNS = (N_("key"), N_("setting"), N_("table"))              # what unknown_key may call an unknown name
_TYPES = {str: N_("a string in quotes"), int: N_("a whole number"), bool: N_("true or false"),
          list: N_("a list of strings in quotes"), dict: N_("a table")}
_HEADER = re.compile(r"\s*\[(\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY = re.compile(rf"\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def line_of(text: str, *path: str | int) -> int | None:
    """The line of a key or table of a TOML text, by its path: ("metadata", "source") is source in [metadata],
    ("schedule", 1, "cron") the cron of the second [[schedule]], ("schedule",) the first [[schedule]] line."""
    for number, found in key_lines(text):
        if found[:len(path)] == path:
            return number
    return None


def key_lines(text: str) -> list[tuple[int, tuple[str | int, ...]]]:
    """Each [table] header and key of a TOML text as (line, path), in order."""
    out: list[tuple[int, tuple[str | int, ...]]] = []
    table: tuple[str | int, ...] = ()
    arrays: dict[tuple, int] = {}      # the path of each [[array]] table -> the index of its latest element
    for number, line in _statements(text):
        header, key = _HEADER.match(line), _KEY.match(line)
        if header:
            table = _under_arrays(_path(header[2]), arrays)
            if header[1]:
                arrays[table] = arrays.get(table, -1) + 1
                table += (arrays[table],)
            out.append((number, table))
        elif key:
            out.append((number, table + _path(key[1])))
    return out


def _under_arrays(path: tuple, arrays: dict[tuple, int]) -> tuple:
    """[schedule.extra] after a [[schedule]] belongs to the latest schedule: ("schedule", 2, "extra")."""
    for n in range(len(path) - 1, 0, -1):
        if path[:n] in arrays:
            return path[:n] + (arrays[path[:n]],) + path[n:]
    return path


def _path(name: str) -> tuple[str, ...]:
    """The path of a key or header as TOML reads it: a."b.c" is ("a", "b.c")."""
    try:
        node: Any = tomllib.loads(f"{name} = 0")
    except tomllib.TOMLDecodeError:
        return (name.strip(),)
    path = []
    while isinstance(node, dict) and len(node) == 1:
        (key, node), = node.items()
        path.append(key)
    return tuple(path)


def _statements(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) of each line that starts outside a multi-line string, an array and an inline table."""
    depth, quote = 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        if depth == 0 and not quote:
            yield number, line
        i = 0
        while i < len(line):
            if quote:                                   # inside a string: look for its end
                if line[i] == "\\" and quote[0] == '"':
                    i += 2
                elif line.startswith(quote, i):
                    i, quote = i + len(quote), ""
                else:
                    i += 1
            elif line[i] == "#":
                break
            elif line[i] in "\"'":
                quote = line[i] * 3 if line.startswith(line[i] * 3, i) else line[i]
                i += len(quote)
            else:
                depth += (line[i] in "[{") - (line[i] in "]}")
                i += 1
        quote = quote if len(quote) == 3 else ""        # only a multi-line string goes on to the next line


def located(file: str | Path | None, line: int | None) -> str:
    """Where in a file: "briefing.toml, line 7" (or the file alone when the line is not known)."""
    return _("{file}, line {line}").format(file=file, line=line) if line else str(file)


def decode_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line a TOML syntax error is at (tomllib says it in its message only)."""
    found = re.search(r"at line (\d+)", str(exc))
    return int(found[1]) if found else None


def unknown_key(key: str, known: Iterable[str], table: str = "", noun: str = "key",
                places: Mapping[str, str] | None = None) -> str:
    """What to say of a key a table does not have: where it belongs (places: key -> "in [style]"), else the
    closest known name (difflib)."""
    if places and key in places:
        place = places[key]
        inside = re.fullmatch(r"in \[(.+)\]", place)
        place = _("in [{table}]").format(table=inside[1]) if inside else _(place)
        return _("{table} has no key '{key}'. It belongs {place}.").format(
            table=table or _("the top of the file"), key=key, place=place)
    near = difflib.get_close_matches(key, list(known), n=1)
    said = (_("unknown table [{key}]") if noun == "table" else _("unknown {noun} '{key}'")).format(
        noun=_(noun), key=key)
    said += _(". Did you mean '{near}'?").format(near=near[0]) if near else ""
    return _("{where}: {message}").format(where=table, message=said) if table else said


def wrong_type(key: str, value: Any, expected: type) -> str | None:
    """What to say of a value of the wrong TOML type, or None. A list must hold strings; true is no number."""
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if ok and expected is list:
        ok = all(isinstance(v, str) for v in value)
    return None if ok else _("{key} must be {kind}, not {value}").format(key=key, kind=_(_TYPES[expected]),
                                                                         value=toml_value(value))


def toml_value(value: Any) -> str:
    """A value written as in TOML, for messages: "5000", true, [1, 2], a table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)
