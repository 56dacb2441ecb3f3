"""Configuration as one declared table.

Each setting has a name, a type, a default and help. Values come, last one winning, from the
defaults, a TOML file (``--config``, ``BRIEFING_CONFIG``, or ``briefing.toml`` in the current
folder when present), ``BRIEFING_<NAME>`` environment variables, and command-line options.
The result is a plain ``Settings`` object passed explicitly; there is no global configuration.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import UsageError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "data/briefing.db", "Path of the SQLite database (relative to the current folder).", str),
    Setting("timezone", "Asia/Shanghai", "Time zone for times written without an offset (录入时间, --as-of).", str),
    Setting("template_dirs", "", "Folders of your own briefing templates, searched before the built-in ones "
            "(separated by ':' or ';').", str),
    Setting("reference_docx", "", "A .docx whose styles briefings use instead of the built-in GB/T 9704 ones.", str),
    Setting("output_dir", "data/briefings", "Where `briefing generate` writes when no -o is given.", str),
    Setting("source", "", "来源 on the metadata line (overrides the template's).", str),
    Setting("author", "", "作者 on the metadata line and in the document properties.", str),
    Setting("editor", "", "责任编辑 on the metadata line.", str),
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
)

_BY_NAME = {s.name: s for s in SETTINGS}
SECTIONS = ("schedule",)   # the file's tables, each read by its own module ([[schedule]]: schedules.py)


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


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if isinstance(value, str) and setting.parse is not str:
        try:
            return setting.parse(value)
        except ValueError:
            raise UsageError(f"{origin}: {setting.name} = {value!r} is not a valid {setting.parse.__name__}") from None
    if setting.parse is int and not isinstance(value, int):
        raise UsageError(f"{origin}: {setting.name} must be a whole number, not {value!r}")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist", "Give an existing file with --config.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path}: {exc}") from None
    return data


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
        for name, value in _read_toml(path).items():
            if isinstance(value, (dict, list)) and name in SECTIONS:
                sections[name] = value
                continue
            if name not in _BY_NAME:
                near = difflib.get_close_matches(name, [*_BY_NAME, *SECTIONS], n=1)
                hint = f"Did you mean {near[0]!r}?" if near else f"Known settings: {', '.join(_BY_NAME)}."
                raise UsageError(f"config file {path}: unknown setting {name!r}", hint)
            values[name] = _coerce(_BY_NAME[name], value, str(path))
            source[name] = str(path)
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
