"""Finding archived briefings: by template, region, period range and status, and by the words of their titles
and text, newest first, a page at a time (the archive page, its API, ``briefing archive list --search``).

Each briefing's title and plain text are kept in ``report_text`` (migration m012), read from its .docx as it
was made: the title its file carries (its core properties, as Word shows it) and its paragraphs and table rows.
A briefing is given its row when it is archived (``Producer.finish``, in the transaction that marks it done);
one archived before the table existed is given it the first time a search is handed the archive
(``find(..., archive=…)``, ``title_of``/``text_of`` likewise), read from its archived .docx when that file is
still the one the ledger names (same sha256). A pruned briefing keeps its row.

A search's text is words split at whitespace: each must appear in the title or the text (Chinese has no
spaces, so a word is a substring: 扎赉特旗 诊疗 finds what names both), compared as SQLite's LIKE does
(case-insensitive for Latin letters), with ``%`` and ``_`` meaning themselves.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlite_utils

from ..errors import UsageError
from ..figures.period_text import parse_period
from ..figures.periods import Period
from ..files import sha256_of
from ..i18n import _
from ..store.db import Store
from .folders import Archive
from .ledger import Ledger, Report

log = logging.getLogger(__name__)

Text = tuple[str, str]     # (title, body)
FILL_BATCH = 200           # briefings read from the archive between two short write transactions


@dataclass
class Titled(Report):
    """A briefing as a search finds it: the ledger's report and its document's title ("" while not known)."""

    title: str = ""


# --- what a briefing says ----------------------------------------------------------------------------------

def document_text(data: bytes) -> Text:
    """The title and plain text of a briefing's .docx: the title its file carries, then its paragraphs and
    table rows, a line each (a table row's cells joined by an ideographic space)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    return document.core_properties.title or "", "\n".join(document_lines(document))


def document_lines(document) -> list[str]:
    """The paragraphs (those with text) and then the table rows of an open python-docx Document, as lines."""
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        lines += ["　".join(cell.text for cell in row.cells) for row in table.rows]
    return lines


def keep(db: sqlite_utils.Database, report_id: int, text: Text) -> None:
    """Keep a briefing's title and text (inside the caller's write transaction), replacing any kept before."""
    db.execute("INSERT OR REPLACE INTO report_text (report, title, body) VALUES (?, ?, ?)", [report_id, *text])


def fill(store: Store, archive: Archive, ids: list[int] | None = None) -> int:
    """Give the done briefings that have no text yet (all, or those of ``ids``) their title and text, read
    from their archived .docx; one whose file is missing, changed or unreadable is left for `archive verify`
    to report. How many were filled."""
    if ids is not None and not ids:
        return 0
    where = "" if ids is None else f"AND reports.id IN ({', '.join('?' * len(ids))})"
    todo = store.db.execute(
        "SELECT reports.id, f.path, f.sha256 FROM reports JOIN report_files AS f ON f.report = reports.id "
        "AND f.format = 'docx' LEFT JOIN report_text AS t ON t.report = reports.id "
        f"WHERE reports.status = 'done' AND t.report IS NULL {where} ORDER BY reports.id", ids or []).fetchall()
    filled = 0
    for start in range(0, len(todo), FILL_BATCH):
        read = [(report_id, _read(archive, path, sha256)) for report_id, path, sha256 in todo[start:start + FILL_BATCH]]
        with store.write() as db:
            for report_id, text in read:
                if text is not None:
                    keep(db, report_id, text)
                    filled += 1
    if filled:
        log.info("kept the text of %d briefings archived before it was kept", filled)
    return filled


def _read(archive: Archive, relative: str, sha256: str) -> Text | None:
    """The text of an archived .docx, or None when it is not the file the ledger names (or not a file)."""
    try:
        data = archive.path(relative).read_bytes()
        if sha256_of(data) != sha256:
            return None
        return document_text(data)
    except Exception as exc:        # missing, outside the archive, not a Word file: verify says which
        log.debug("the text of %s could not be read: %s", relative, exc)
        return None


def title_of(store: Store, report_id: int, archive: Archive | None = None) -> str | None:
    """A briefing's title as its document gives it; None when not known (read from the archive if given)."""
    return _text(store, report_id, archive, "title")


def text_of(store: Store, report_id: int, archive: Archive | None = None) -> str | None:
    """A briefing's plain text (its paragraphs and table rows, a line each); None when not known."""
    return _text(store, report_id, archive, "body")


def _text(store: Store, report_id: int, archive: Archive | None, column: str) -> str | None:
    query = f"SELECT {column} FROM report_text WHERE report = ?"
    row = store.db.execute(query, [report_id]).fetchone()
    if row is None and archive is not None and fill(store, archive, [report_id]):
        row = store.db.execute(query, [report_id]).fetchone()
    return row[0] if row else None


# --- finding -------------------------------------------------------------------------------------------------

def find(store: Store, *, template: str | None = None, region: str | None = None, first: str | None = None,
         last: str | None = None, status: str | None = None, text: str | None = None, limit: int | None = 50,
         offset: int = 0, archive: Archive | None = None) -> tuple[list[Titled], int]:
    """Archived briefings (every version) of a template, a region (its code), periods within first..last (as
    ``briefing archive list --from/--to`` compares them: by dates, so 2024-01 takes its weeks), a status, whose
    title or text holds every word of ``text``; newest first (by period, then when made); ``limit`` of them
    (None: all) from ``offset``, each with its title; and how many match in all. Given the archive, briefings
    archived before their text was kept are read first. UsageError for a period that cannot be read."""
    if archive is not None:
        fill(store, archive)
    where, params = conditions(template, region, status, text)
    low, high = bounds(first, last)
    rows = store.db.execute("SELECT reports.id, reports.period, COALESCE(reports.done_at, reports.created_at) "
                            "FROM reports LEFT JOIN report_text ON report_text.report = reports.id "
                            f"WHERE {where}", params).fetchall()
    chosen = sorted((row for row in rows if within(row[1], low, high)), key=_newest, reverse=True)
    page = [row[0] for row in chosen[offset:None if limit is None else offset + max(limit, 0)]]
    return _titled(store, page), len(chosen)


def conditions(template: str | None, region: str | None, status: str | None, text: str | None
               ) -> tuple[str, list]:
    """The SQL condition on reports (joined to report_text) for the filters and the words, and its parameters."""
    where, params = ["1"], []
    for column, value in (("template", template), ("region", region), ("status", status)):
        if value:
            where.append(f"reports.{column} = ?")
            params.append(value)
    for word in (text or "").split():
        where.append("(report_text.title LIKE ? ESCAPE '\\' OR report_text.body LIKE ? ESCAPE '\\')")
        params += [like(word)] * 2
    return " AND ".join(where), params


def like(word: str) -> str:
    """A LIKE pattern finding a word anywhere, its \\, % and _ taken as themselves (ESCAPE '\\')."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def bounds(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    """--from/--to as dates: the first day of the first period, the last day of the last."""
    try:
        return (parse_period(first).start if first else None, parse_period(last).end if last else None)
    except ValueError as exc:
        raise UsageError(_("--from/--to: {problem}").format(problem=exc)) from None


def within(period: str, low: date | None, high: date | None) -> bool:
    """A period (its key) lies within the bounds: it starts on or after ``low`` and ends on or before ``high``."""
    found = _period(period)
    return (low is None or found.start >= low) and (high is None or found.end <= high)


@lru_cache(maxsize=4096)
def _period(key: str) -> Period:
    return parse_period(key)


def _newest(row: tuple) -> tuple:
    """Newer periods first (by their last day, then their first), then the later made, then the later claimed."""
    period = _period(row[1])
    return period.end, period.start, row[2] or "", row[0]


def _titled(store: Store, ids: list[int]) -> list[Titled]:
    """The reports of these ids in this order, with their titles."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    reports = {r.id: r for r in Ledger(store).find(f"reports.id IN ({marks})", ids)}
    titles = dict(store.db.execute(f"SELECT report, title FROM report_text WHERE report IN ({marks})", ids).fetchall())
    return [Titled(**vars(reports[i]), title=titles.get(i, "")) for i in ids]
