"""The cache folder: what briefing keeps between runs only to start faster (the compiled templates, the prepared
reference document, the charts' skeletons), never anything a briefing's content depends on — an empty or missing
cache makes the same bytes, only slower.

Where: ``BRIEFING_CACHE_DIR`` when set (``off`` turns the cache off), else ``$XDG_CACHE_HOME/briefing``, else
``~/.cache/briefing``. The cache is silently off when the folder cannot be made or written, or when it is not
this user's own (another user's, or writable by others): what is read from it is code this process runs.

Each entry is written to a temporary file and renamed over the old one, so two processes writing the same entry
at once leave one whole entry, and a reader sees the old one or the new one. Each entry's name carries what it
was made from (the versions, the sources), so a changed template or a new release never reads a stale one.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)
VARIABLE = "BRIEFING_CACHE_DIR"
OFF = "off"


def location(env: dict[str, str] | os._Environ = os.environ) -> Path | None:
    """Where the cache folder is to be, from the environment; None when it is turned off."""
    given = env.get(VARIABLE, "").strip()
    if given:
        return None if given.lower() == OFF else Path(given).expanduser()
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():           # a relative XDG_CACHE_HOME is invalid and ignored (the spec)
        return Path(xdg) / "briefing"
    return Path("~/.cache/briefing").expanduser()


_READY: dict[Path, bool] = {}


def folder(part: str) -> Path | None:
    """The cache's folder for one kind of entry (``templates``, ``reference``), made if need be; None when the
    cache is off, cannot be written, or is not this user's own."""
    top = location()
    if top is None:
        return None
    path = top / part
    if path not in _READY:
        _READY[path] = _usable(path)
    return path if _READY[path] else None


def _usable(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as exc:
        log.debug("cache off: %s cannot be made (%s)", path, exc)
        return False
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        log.debug("cache off: %s is not this user's own (owner %s, mode %o)", path, info.st_uid, info.st_mode)
        return False
    if not os.access(path, os.W_OK | os.X_OK):
        log.debug("cache off: %s cannot be written", path)
        return False
    return True
