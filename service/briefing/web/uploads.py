"""Figures uploaded through the web: kept aside, checked without writing, written only when the person confirms.

An upload is saved under ``uploads/<token>/`` beside the database (the token is random; the file keeps only a
safe form of its name), checked by the same import as ``briefing ingest --check``, and shown row by row. The
confirmation names the token: the same file is imported for real (all or nothing, as on the command line),
then the folder is removed. Uploads left unconfirmed are removed after a day. Only spreadsheets and CSV/JSON
files of figures and catalogs are taken: no template, document or archive.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from ..errors import InputError, Missing, Problem, TooLarge, UsageError
from ..files import safe_name, sha256_of
from ..i18n import _
from ..ingest import ingest_files
from ..ingest.context import Given
from ..ingest.read import Limits
from ..store.db import Store

SUFFIXES = (".csv", ".xlsx", ".xls", ".et", ".ods", ".json")
KEEP_S = 24 * 3600
SHOWN_PROBLEMS = 1000       # the problems a check lists (the page shows the first 200); problem_count: all of them
CHUNK = 1 << 16
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Staged:
    token: str
    name: str          # the file's name as the person's computer called it (shown, never used as a path)
    path: Path
    login: str
    period: str | None
    region: str | None
    sha256: str


def stage(folder: Path, upload: BinaryIO, filename: str, login: str, max_mb: int, period: str | None = None,
          region: str | None = None) -> Staged:
    """Save an uploaded file aside, refusing a type we do not read or a file over the limit (nothing kept)."""
    name = Path((filename or "").replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(_("{name}: only spreadsheets of figures can be uploaded ({types})").format(
            name=name or _("the file"), types=" ".join(SUFFIXES)),
            _("Save it as .xlsx or .csv and upload it again; templates cannot be uploaded."))
    _tidy(folder)
    token = secrets.token_urlsafe(18)
    place = folder / token
    place.mkdir(parents=True)
    path = place / f"upload{suffix}"      # the person's name only in messages: any name, however long or odd
    try:
        _copy_within(upload, path, max_mb, name)
    except BaseException:
        shutil.rmtree(place, ignore_errors=True)
        raise
    staged = Staged(token, name, path, login, period or None, region or None, sha256_of(path))
    (place / "upload.json").write_text(json.dumps({**staged.__dict__, "path": path.name, "at": time.time()},
                                                  ensure_ascii=False), encoding="utf-8")
    return staged


def _copy_within(upload: BinaryIO, path: Path, max_mb: int, name: str) -> None:
    most = max_mb * 1024 * 1024
    written = 0
    with path.open("wb") as out:
        while chunk := upload.read(CHUNK):
            written += len(chunk)
            if written > most:
                raise TooLarge(max_mb)
            out.write(chunk)
    if written == 0:
        raise UsageError(_("{name} is empty").format(name=name or _("the file")))


def staged(folder: Path, token: str, login: str) -> Staged:
    """An upload kept aside for this person, by its token."""
    meta = folder / token / "upload.json" if _TOKEN.fullmatch(token or "") else None
    data = json.loads(meta.read_text(encoding="utf-8")) if meta is not None and meta.is_file() else None
    if data is None or data["login"] != login:       # another person's upload is not theirs to see either
        raise Missing(_("that upload is not kept any more (it was imported, or left for over a day)"),
                       _("Upload the file again."))
    return Staged(token, data["name"], folder / token / data["path"], login, data["period"], data["region"],
                  data["sha256"])


def check(store: Store, settings, up: Staged):
    """The import as it would go, nothing written: each table's counts and every problem (ingest.Report)."""
    return ingest_files(store, [up.path], ZoneInfo(settings.timezone), limits=_limits(settings),
                        given=Given(up.period, up.region), check_only=True)


def commit(store: Store, settings, folder: Path, up: Staged):
    """Import the upload for real (all or nothing), then forget it."""
    if sha256_of(up.path) != up.sha256:
        raise UsageError(_("the upload changed since it was checked"), _("Upload the file again."))
    try:
        report = ingest_files(store, [up.path], ZoneInfo(settings.timezone), limits=_limits(settings),
                              given=Given(up.period, up.region))
    except InputError as exc:     # the figures changed since the check: the same problems, as the check shows them
        raise InputError([Problem(up.name, p.row, p.column, as_shown(up, p.message)) for p in exc.problems],
                         _("Nothing was written. Fix the rows in the file and upload it again.")) from None
    shutil.rmtree(folder / up.token, ignore_errors=True)
    return report


def as_shown(up: Staged, text: str) -> str:
    """A message of the import naming the file as the person's computer did: 周报数据.xlsx row 5, not the place it
    is kept under (uploads/…/upload.xlsx)."""
    return text.replace(str(up.path), up.name).replace(str(up.path.parent) + "/", "")


def discard(folder: Path, up: Staged) -> None:
    shutil.rmtree(folder / up.token, ignore_errors=True)


def _limits(settings) -> Limits:
    web = settings.max_upload_mb <= settings.max_file_mb      # the smaller one is the limit, and named so
    return Limits(max_bytes=min(settings.max_file_mb, settings.max_upload_mb) * 1024 * 1024,
                  max_rows=settings.max_rows, size_setting="max_upload_mb" if web else "max_file_mb")


def _tidy(folder: Path) -> None:
    """Remove the uploads left unconfirmed for over a day."""
    if not folder.is_dir():
        return
    now = time.time()
    for place in folder.iterdir():
        meta = place / "upload.json"
        try:
            old = now - json.loads(meta.read_text(encoding="utf-8"))["at"] > KEEP_S
        except (OSError, ValueError, KeyError):
            old = now - place.stat().st_mtime > KEEP_S
        if old:
            shutil.rmtree(place, ignore_errors=True)


def checked(up: Staged, report) -> dict:
    """What the upload page and the API show of a checked upload: each table's counts, every problem."""
    return {"token": up.token, "name": up.name, "ok": not report.problems,
            "tables": [_table(up, o) for o in report.outcomes],
            "problems": [{"file": up.name, "row": p.row, "column": p.column, "message": as_shown(up, p.message),
                          "text": as_shown(up, str(p))} for p in report.problems[:SHOWN_PROBLEMS]],
            "problem_count": len(report.problems),
            "notices": [as_shown(up, n) for n in report.notices]}


def imported(up: Staged, report) -> dict:
    return {"name": up.name, "imported": True, "tables": [_table(up, o) for o in report.outcomes],
            "notices": [as_shown(up, n) for n in report.notices]}


def _table(up: Staged, o) -> dict:
    from ..ingest.columns import kind_word

    return {"where": as_shown(up, o.where), "kind": o.kind, "kind_text": kind_word(o.kind), "rows": o.rows,
            "added": o.added, "revised": o.revised, "unchanged": o.unchanged, "rejected": len(o.rejected)}


def fill_in_form(store: Store, period: str | None, region: str | None, now) -> tuple[str, bytes]:
    """The fill-in form (填报表) of a period for a region (every region when none is named), as `briefing form`
    writes it: its file name and bytes."""
    from ..figures.period_text import parse_period
    from ..ingest import form as form_mod
    from ..ingest.form_book import workbook
    from ..store.catalog import Catalog

    catalog = Catalog.load(store.db)
    reported = form_mod.Reports(catalog, form_mod.reported(store.db))
    chosen = form_mod.regions_asked(catalog, (region,) if region else ("all",))
    try:
        the_period = parse_period(period) if period else form_mod.default_period(reported, chosen, now)
    except ValueError as exc:
        raise UsageError(_("period: {problem}").format(problem=exc)) from None
    made = form_mod.layout(catalog, reported, the_period, chosen) if the_period else None
    if made is None or not made.lines:
        raise UsageError(_("there is nothing to fill in for these regions in that period"),
                         _("Choose a period of a frequency they report, or other regions."))
    name = f"{the_period.key}_{safe_name(form_mod.scope(catalog, made.regions))}_填报表.xlsx"
    return name, workbook(made)
