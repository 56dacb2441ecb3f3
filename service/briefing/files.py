"""Writing files so that a crash never leaves half of one, and telling the leftovers of a crash."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")   # see write_atomically


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
