"""Writing files so that a crash never leaves half of one, and telling the leftovers of a crash; names that
are safe as file names (on Linux and on the Windows shares archives are copied to), and cells that are safe
to open in a spreadsheet."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .i18n import _
from .i18n import shown as quoted

TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")   # see write_atomically
MAX_NAME = 40     # a region's or indicator's name, so that period_name_template.docx fits any file system
FORBIDDEN = '/\\:*?"<>|'
# characters no file name should hold: Windows' forbidden ones, control characters, and the bidirectional
# overrides that make a name read differently from what it is (evil\u202ecod.exe)
_UNSAFE = re.compile('[/\\\\:*?"<>|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                      *(f"LPT{i}" for i in range(1, 10))})


def name_problem(name: str, limit: int = MAX_NAME) -> str | None:
    """Why a name cannot be part of a file name (with what to write instead), or None when it can."""
    bad = _UNSAFE.search(name)
    if bad:
        ch = bad.group()
        shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
        return _("contains {char} at position {position}, which a file name cannot hold (briefings are named after "
                 "it); write the name without {forbidden} or control characters").format(
                     char=shown, position=bad.start() + 1, forbidden=" ".join(FORBIDDEN))
    if name.startswith("."):
        return _("begins with '.', which hides a file; write the name without the leading dot")
    if name.split(".")[0].strip().upper() in RESERVED:
        return _("'{name}' is a name Windows keeps for a device (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9), so no "
                 "file on a Windows share can carry it; write another name").format(name=quoted(name))
    if len(name) > limit:
        return _("is {length} characters long, more than the {limit} allowed, since briefings' file names are made "
                 "from it; write a shorter name (a short form such as 扎赉特旗 rather than the full title)").format(
                     length=len(name), limit=limit)
    return None


def safe_name(name: str, limit: int = MAX_NAME) -> str:
    """The name as it may appear in a file name: unchanged when it is safe (every name ingest accepts);
    otherwise (a name put into an old database some other way) its unsafe characters replaced by _, a
    leading dot removed, a reserved name prefixed with _, cut to the limit, and a short hash of the original
    added so that two such names never share a file. Never a path separator, never '..' alone."""
    if name_problem(name, limit) is None:
        return name
    clean = _UNSAFE.sub("_", name).lstrip(". ")
    if clean.split(".")[0].strip().upper() in RESERVED:
        clean = "_" + clean
    return f"{clean[: limit - 9]}~{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


# A cell a spreadsheet would run as a formula (OWASP's CSV injection): it begins with = + - @, a tab or a
# carriage return, after any quotes (so that a typed '= is told from our escaping of =). A plain number
# (-5, +1, -1,234.5, -3%) is a number to a spreadsheet, never a formula, and is left alone.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")


def _formula_like(text: str) -> bool:
    return bool(_FORMULA.match(text)) and not _NUMBER.match(text)


def spreadsheet_cell(value: object) -> object:
    """A cell as written to a file a person opens in Excel or WPS: text that would be run as a formula
    (=HYPERLINK(…), +1+1, @SUM(A1)) gets a leading ' as OWASP recommends, so it is shown as typed; numbers
    and every other value are returned as they are. ``from_spreadsheet_cell`` undoes it."""
    return "'" + value if isinstance(value, str) and _formula_like(value) else value


def from_spreadsheet_cell(value: object) -> object:
    """A cell of a file this service wrote with ``spreadsheet_cell`` (a rejects file), as it was typed."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


def sha256_of(source: Path | str | bytes) -> str:
    """The SHA-256 of a file (read in chunks) or of bytes, as the ledger and the import batches record it."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> Path:
    """Write a file so that a crash leaves the old file or the whole new one: a temporary file in the same
    folder (named with this process's id, so a leftover can be told from a write in progress), fsync,
    os.replace, then fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes it private; a briefing is for reading
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def leftover(path: Path) -> bool:
    """A temporary file of a write whose process is gone."""
    match = TEMP.match(path.name)
    return bool(match) and not pid_alive(int(match["pid"]))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
