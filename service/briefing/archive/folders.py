"""The archive: briefings as files a person can browse without the service.

    data/archive/2024/weekly/2024-W02_扎赉特旗_周报.docx
    data/archive/2024/weekly/2024-W02_扎赉特旗_周报_v2.docx     (a remake)
    data/archive/2024/weekly/index.json                        (what is in the folder, from the ledger)

index.json gives each moment twice: as the ledger holds it, in UTC (as_of, made_at: for programs, which
compare and sort them), and in the configured time zone with its offset (as_of_local, made_at_local: what a
person reads), the zone named at the top. A change of time zone makes the indexes stale until rewritten.

The year is the period's own (an ISO week's year: 2020-W53 is filed under 2020). Files are written
atomically (write_atomically: a temporary file tagged with the writer's process id, then renamed), so
the archive holds whole files only; a writer killed midway leaves a hidden temporary file, which the
next run (or ``archive verify --fix``) removes once its process is gone. The ledger is the truth about
what the archive should hold; ``verify`` compares the two and re-hashes every file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import OutsideArchive
from ..files import TEMP, leftover, safe_name, sha256_of, write_atomically
from ..i18n import _
from ..store.db import in_zone
from .ledger import File, Report

INDEX = "index.json"


MAX_STEM = 120   # period, region, template (each at most files.MAX_NAME) and an edition's suffix


def folder_of(template: str, period: str) -> str:
    return f"{safe_name(period[:4])}/{safe_name(template)}"


def relative_path(report: Report, fmt: str) -> str:
    """Where a report's file of a format lives, relative to the archive's root. The names are made safe
    (files.safe_name) here too, since an old ledger may hold a stem made before they were."""
    suffix = "" if report.version == 1 else f"_v{report.version}"
    return f"{folder_of(report.template, report.period)}/{safe_name(report.stem, MAX_STEM)}{suffix}.{fmt}"


@dataclass
class Findings:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)       # files of the ledger whose path leads out of the root
    unfinished: list[str] = field(default_factory=list)     # claims not done; the next run makes them
    leftovers: list[str] = field(default_factory=list)      # temporary files of interrupted writes
    stale_indexes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt or self.orphans or self.outside)


class Archive:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, relative: str) -> Path:
        """Where a file of the archive is; OutsideArchive if that would be outside the root (resolved, so
        neither .. nor a symbolic link leads out), before anything is written, read or removed there."""
        if not self.inside(relative):
            raise OutsideArchive(relative, self.root)
        return self.root / relative

    def inside(self, relative: str) -> bool:
        root = self.root.resolve()
        return (root / relative).resolve().is_relative_to(root)

    def write(self, report: Report, fmt: str, data: bytes) -> File:
        relative = relative_path(report, fmt)
        write_atomically(self.path(relative), data)
        return File(fmt, relative, sha256_of(data), len(data))

    def tidy(self, report: Report) -> list[Path]:
        """Remove the temporary files that stopped writers left for a report's files and its folder's index;
        the paths removed."""
        folder = self.path(folder_of(report.template, report.period))
        removed = []
        names = [Path(relative_path(report, fmt)).name for fmt in ("docx", "html", "pdf")] + [INDEX]
        for name in names:
            for temp in folder.glob(f".{glob_escape(name)}.*.part") if folder.is_dir() else []:
                if leftover(temp):
                    temp.unlink(missing_ok=True)
                    removed.append(temp)
        return removed

    def index_text(self, reports: list[Report], timezone_name: str) -> str:
        """The index.json of one folder: its done briefings, as a person or a script would look them up."""
        tz = ZoneInfo(timezone_name)
        entries = [_entry(r, tz) for r in reports if r.status == "done"]
        return json.dumps({"timezone": timezone_name, "briefings": entries}, ensure_ascii=False, indent=1,
                          sort_keys=False) + "\n"

    def write_index(self, folder: str, reports: list[Report], timezone_name: str) -> None:
        write_atomically(self.path(folder) / INDEX, self.index_text(reports, timezone_name).encode("utf-8"))

    def verify(self, reports: list[Report], timezone_name: str) -> Findings:
        """Every done report's files present with their checksums; every file in the archive accounted for."""
        found = Findings()
        expected: set[str] = set()
        for report in reports:
            if report.status == "done":
                for f in report.files:
                    expected.add(f.path)
                    found.checked += 1
                    self._check(f, found)
            elif report.status in ("claimed", "failed"):
                paths = [relative_path(report, fmt) for fmt in ("docx", "html", "pdf")]
                expected.update(paths)
                if report.status == "claimed" and report.holder_stopped():
                    found.unfinished.append(_("#{id} {name}: its process ({pid}) stopped").format(
                        id=report.id, name=report.stem, pid=report.pid))
        self._walk(expected, reports, found, timezone_name)
        return found

    def _check(self, f: File, found: Findings) -> None:
        if not self.inside(f.path):
            found.outside.append(f.path)
            return
        path = self.path(f.path)
        if not path.is_file():
            found.missing.append(f.path)
        elif path.stat().st_size != f.size or sha256_of(path) != f.sha256:
            found.corrupt.append(f.path)

    def _walk(self, expected: set[str], reports: list[Report], found: Findings, timezone_name: str) -> None:
        folders: dict[str, list[Report]] = {}
        for report in reports:
            folders.setdefault(folder_of(report.template, report.period), []).append(report)
        for path in sorted(self.root.rglob("*")) if self.root.is_dir() else []:
            if not path.is_file():
                continue
            relative = path.relative_to(self.root).as_posix()
            if path.name == INDEX:
                folder = path.parent.relative_to(self.root).as_posix()
                wanted = self.index_text(folders.get(folder, []), timezone_name)
                if path.read_text(encoding="utf-8", errors="replace") != wanted:
                    found.stale_indexes.append(relative)
            elif TEMP.match(path.name):
                if leftover(path):
                    found.leftovers.append(relative)
            elif relative not in expected:
                found.orphans.append(relative)
        for folder, members in folders.items():
            if any(r.status == "done" for r in members) and not (self.path(folder) / INDEX).is_file():
                found.stale_indexes.append(f"{folder}/{INDEX}")


def prunable(reports: list[Report], now: datetime, days: int, versions: int) -> list[Report]:
    """The done briefings a retention policy removes: older than `days` (by the moment of their data), and
    beyond the newest `versions` versions of each briefing (0: no limit of that kind)."""
    cutoff = (now - timedelta(days=days)).astimezone(timezone.utc).replace(microsecond=0).isoformat() if days else None
    by_key: dict[tuple, list[Report]] = {}
    for report in reports:
        if report.status == "done":
            by_key.setdefault(report.key, []).append(report)
    out = []
    for members in by_key.values():
        members.sort(key=lambda r: r.version, reverse=True)
        for rank, report in enumerate(members):
            if (cutoff and report.as_of < cutoff) or (versions and rank >= versions):
                out.append(report)
    return sorted(out, key=lambda r: r.id)


def _entry(report: Report, tz: ZoneInfo) -> dict:
    return {"id": report.id, "template": report.template, "period": report.period, "region": report.region_name,
            "region_code": report.region, "script": report.script, "version": report.version,
            "as_of": report.as_of, "made_at": report.done_at, "as_of_local": _local(report.as_of, tz),
            "made_at_local": _local(report.done_at, tz), "remake_of": report.remake_of,
            "schedule": report.schedule, "data_batch": report.data_batch,
            "template_version": report.template_version, "software": report.software,
            "files": {f.format: {"name": Path(f.path).name, "sha256": f.sha256, "size": f.size}
                      for f in report.files}}


def _local(moment: str | None, tz: ZoneInfo) -> str | None:
    """A moment of the ledger (ISO UTC) in a time zone, ISO with its offset."""
    return in_zone(moment, tz).isoformat() if moment else None


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)
