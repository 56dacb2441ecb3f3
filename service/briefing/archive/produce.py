"""Making a claimed briefing and putting it in the archive: the step shared by scheduled runs and remakes.

The figures are read in one read transaction, with the highest import batch seen: together with the
as-of moment that names exactly which observation revisions the briefing used (each revision belongs to
one batch, and none is ever changed), so a remake can tell whether the data it sees is the data the
briefing was made from. The template's sources are kept by version in the database, and the package
version is recorded, for the same reason.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from ..documents import templates
from ..documents.make import Briefing, Request, make
from ..errors import LostClaim
from ..figures.period_text import parse_period
from ..files import sha256_of
from ..settings import Settings
from ..store.catalog import Catalog
from ..store.db import Store
from . import corrections, search
from .approvals import Approvals
from .folders import Archive, folder_of, relative_path
from .ledger import File, Key, Ledger, Report


def software_version() -> str:
    try:
        return version("briefing")
    except PackageNotFoundError:  # running from a source tree without installing
        return "unknown"


@dataclass
class Rendered:
    briefing: Briefing
    docx: bytes
    data_batch: int
    template_version: str

    @property
    def sha256(self) -> str:
        return sha256_of(self.docx)


class Producer:
    """Renders briefings for ledger rows and archives them."""

    def __init__(self, store: Store, settings: Settings, ledger: Ledger, archive: Archive):
        self.store, self.settings, self.ledger, self.archive = store, settings, ledger, archive
        self._versions: dict[Path, str] = {}   # template folder -> version, kept in the ledger once per run

    def template_version(self, template: templates.Template) -> str:
        """The version of a template's sources, stored in the ledger the first time this producer sees it."""
        if template.folder not in self._versions:
            files = templates.sources(template)
            version = templates.version_of(files)
            self.ledger.save_template(version, template.key, files)
            self._versions[template.folder] = version
        return self._versions[template.folder]

    def render(self, report: Report, template: templates.Template, hold: bool = False) -> Rendered:
        """The briefing of a ledger row (its key and as-of moment), from one consistent read of the data;
        with ``hold``, Incomplete while some of its parts have not reported."""
        period = parse_period(report.period, template.period)
        request = Request(report.template, period, report.region, report.as_of, report.script, hold,
                          self.correction(report), report.issue, report.distribution())
        with self.store.read() as db:
            (batch,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM batches").fetchone()
            made = make(self.store, self.settings, request, template)
        return Rendered(made, made.docx(self.settings.reference_docx or None), batch, self.template_version(template))

    def correction(self, report: Report) -> str | None:
        """A corrected edition's line saying what changed since the briefing it corrects; None otherwise."""
        original = self.ledger.get(report.corrects) if report.corrects else None
        if original is None:
            return None
        changed = corrections.changes(self.store.db, Catalog.load(self.store.db), original, report.as_of)
        day = datetime.fromisoformat(report.as_of).astimezone(ZoneInfo(self.settings.timezone)).date()
        return corrections.note(changed, f"{day.year}年{day.month}月{day.day}日") if changed else None

    def archive_files(self, report: Report, rendered: Rendered, formats: tuple[str, ...]) -> list[File]:
        """Write the report's files into the archive, each atomically; the docx first."""
        files = [self.archive.write(report, "docx", rendered.docx)]
        if "html" in formats:
            files.append(self.archive.write(report, "html", rendered.briefing.html().encode("utf-8")))
        if "pdf" in formats:
            files.append(self._pdf(report, rendered))
        return files

    def _pdf(self, report: Report, rendered: Rendered) -> File:
        from ..documents import pdf  # LibreOffice only when a PDF is asked for

        relative = relative_path(report, "pdf")
        with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as tmp:
            source = Path(tmp) / Path(relative_path(report, "docx")).name
            source.write_bytes(rendered.docx)
            target = pdf.convert_to_pdf(source, self.archive.path(relative).parent)
        return File("pdf", relative, sha256_of(target), target.stat().st_size)

    def finish(self, report: Report, rendered: Rendered, files: list[File], then: Callable[[], None] | None = None
               ) -> bool:
        """Mark the report done, keep its title and text for searches (search.py) and rewrite its folder's index,
        in one transaction (with `then`: its deliveries)."""
        facts = rendered.briefing.facts
        made_from = {"data_batch": rendered.data_batch, "template_version": rendered.template_version,
                     "software": software_version(), "covered": json.dumps(facts.reported, ensure_ascii=False),
                     "missing": json.dumps(facts.missing, ensure_ascii=False)}

        text = search.document_text(rendered.docx)     # read before the write lock is taken

        def inside() -> None:
            search.keep(self.store.db, report.id, text)
            reindex(self.ledger, self.archive, report.template, report.period, self.settings.timezone)
            if then is not None:
                then()
        return self.ledger.finish(report, files, made_from, then=inside)

    def make(self, report: Report, template: templates.Template, formats: tuple[str, ...],
             rendered: Rendered | None = None, hold: bool = False, then: Callable[[], None] | None = None
             ) -> tuple[list[File], float]:
        """Render (unless given), archive and mark done (`then` inside that transaction); the files and the
        milliseconds it took."""
        started = time.perf_counter()
        self.archive.tidy(report)
        rendered = rendered or self.render(report, template, hold)
        files = self.archive_files(report, rendered, formats)
        if not self.finish(report, rendered, files, then):
            raise LostClaim(report)
        return files, (time.perf_counter() - started) * 1000

    def make_version(self, key: Key, stem: str, as_of: str, template: templates.Template, formats: tuple[str, ...],
                     remake_of: int | None = None, rendered: Rendered | None = None,
                     corrects: int | None = None) -> Report:
        """A new version of a briefing (asked for by a person, or a corrected edition): claimed, made and
        archived; a failure is recorded in the ledger before it is raised. The new version of a briefing that
        needed sign-off is asked for sign-off, in the transaction that marks it made (approvals.py)."""
        report = self.ledger.claim_next(key, stem, as_of, remake_of, corrects)
        try:
            self.make(report, template, formats, rendered, then=lambda: Approvals(self.store).follow(report))
        except BaseException as exc:
            self.ledger.fail(report, str(exc) or exc.__class__.__name__)
            raise
        return self.ledger.get(report.id)


def reindex(ledger: Ledger, archive: Archive, template: str, period: str, timezone_name: str) -> None:
    """Rewrite the index.json of the folder holding a template's briefings for a period's year (its local
    times in the named time zone)."""
    members = ledger.find("template = ? AND substr(period, 1, 4) = ?", [template, period[:4]])
    archive.write_index(folder_of(template, period), members, timezone_name)


