"""Re-making an archived briefing: from the data as of its time (the same bytes, or an account of why
not), or from the data as it is now (a new version). Nothing archived is ever overwritten, except a
file that is missing or damaged and is made again byte for byte (its checksum is in the ledger).

Why a remake "as of its time" can differ: figures imported later but dated (录入时间) before the
briefing's moment, highlights or records imported later (they carry no date of entry), a template
whose sources the ledger did not keep, or another version of the software. The account lists each.
"""

from __future__ import annotations

import difflib
import io
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..documents import templates
from ..documents.make import template_dirs
from ..errors import UsageError
from ..files import sha256_of, write_atomically
from ..i18n import _
from ..store.db import iso_utc, local_text
from .ledger import Report
from .produce import Producer, Rendered, software_version
from .search import document_lines

LISTED = 10   # differences listed by kind; the rest are counted


@dataclass
class Remade:
    outcome: str                      # identical, restored, new version
    original: Report
    report: Report | None = None      # the new version, if one was made
    account: list[str] = field(default_factory=list)


class Remaker:
    def __init__(self, producer: Producer):
        self.producer = producer
        self.ledger, self.store, self.archive = producer.ledger, producer.store, producer.archive

    def original(self, report_id: int) -> Report:
        report = self.ledger.get(report_id)
        if report is None:
            raise UsageError(_("there is no briefing #{id} in the ledger").format(id=report_id),
                             _("List them with `briefing archive list`."))
        if report.status not in ("done", "pruned"):
            raise UsageError(_("briefing #{id} was never finished (it is {status})").format(
                id=report_id, status=_(report.status)),
                _("`briefing run-due` makes it; `briefing archive show` tells why it is not done."))
        return report

    def remake(self, report_id: int, current: bool, now: datetime, formats: tuple[str, ...] = ("docx",)) -> Remade:
        original = self.original(report_id)
        with tempfile.TemporaryDirectory(prefix="briefing-template-") as tmp:
            template, notes = self._template(original, current, Path(tmp))
            if current:     # a corrected edition when the period's figures changed since (its note says how)
                return self._new_version(original, template, iso_utc(now), formats, notes, corrects=original.id)
            rendered = self.producer.render(original, template)
            docx = original.file("docx")
            if docx is not None and rendered.sha256 == docx.sha256:
                if original.status == "pruned":   # its file was removed on purpose: the same bytes, as a new version
                    return self._new_version(original, template, original.as_of, formats,
                                             [_("the original was pruned")], rendered)
                return self._same(original, rendered)
            account = notes + self.account(original, rendered)
            return self._new_version(original, template, original.as_of, formats, account, rendered)

    def _template(self, original: Report, current: bool, tmp: Path) -> tuple[templates.Template, list[str]]:
        """The template the briefing was made with (from its stored sources), or today's when asked."""
        dirs = template_dirs(self.producer.settings)
        if current:
            return templates.load(original.template, dirs), []
        files = self.ledger.template_files(original.template_version or "")
        if files is None:
            template = templates.load(original.template, dirs)
            note = _("the template's sources (version {version}) are not in the ledger; today's {template} template "
                     "was used (version {today})").format(version=original.template_version, template=original.template,
                                                          today=templates.version_of(templates.sources(template)))
            return template, [note]
        return templates.from_sources(original.template, files, tmp), []

    def _same(self, original: Report, rendered: Rendered) -> Remade:
        """The same bytes: restore the archived file if it is gone or damaged."""
        docx = original.file("docx")
        path = self.archive.path(docx.path)
        if path.is_file() and sha256_of(path) == docx.sha256:
            return Remade("identical", original)
        write_atomically(path, rendered.docx)
        return Remade("restored", original)

    def _new_version(self, original: Report, template: templates.Template, as_of: str, formats: tuple[str, ...],
                     account: list[str], rendered: Rendered | None = None, corrects: int | None = None) -> Remade:
        corrects = corrects or original.corrects     # made again as of its time, a 更正版 stays one
        report = self.producer.make_version(original.key, original.stem, as_of, template, formats, original.id,
                                            rendered, corrects)
        return Remade("new version", original, report, account)

    def account(self, original: Report, rendered: Rendered) -> list[str]:
        """Why the remade bytes differ from the archived ones, as far as the ledger can tell."""
        lines = self._data_changes(original)
        if original.template_version and rendered.template_version != original.template_version:
            lines.append(_("template version {old} → {new}").format(old=original.template_version,
                                                                     new=rendered.template_version))
        if original.software and original.software != software_version():
            lines.append(_("software version {old} → {new}").format(old=original.software, new=software_version()))
        lines += self._text_changes(original, rendered)
        return lines or [_("the text is the same; the document's layout or styles differ (a reference_docx or the "
                           "software changed)")]

    def _data_changes(self, original: Report) -> list[str]:
        batch = original.data_batch or 0
        lines = []
        rows = self.store.db.execute(
            "SELECT i.name, r.name, o.period, o.value, o.revision, o.recorded_at, b.file, b.imported_at "
            "FROM observations o JOIN indicators i ON i.code = o.indicator JOIN regions r ON r.code = o.region "
            "JOIN batches b ON b.id = o.batch WHERE o.batch > ? AND o.recorded_at <= ? "
            "ORDER BY o.batch, o.indicator, o.region, o.period", [batch, original.as_of]).fetchall()
        for name, region, period, value, revision, recorded, file, imported in rows[:LISTED]:
            lines.append(_("figure {name} {region} {period} = {value} (revision {revision}) was imported on "
                           "{imported} from {file} but dated {recorded}, before the briefing's moment").format(
                               name=name, region=region, period=period, value=f"{value:g}", revision=revision,
                               imported=self._local(imported), file=file, recorded=self._local(recorded)))
        if len(rows) > LISTED:
            lines.append(_("… and {count} more such figures").format(count=len(rows) - LISTED))
        for table in ("highlights", "records"):
            (count,) = self.store.db.execute(f"SELECT COUNT(*) FROM {table} WHERE batch > ?", [batch]).fetchone()
            if count:
                said = (_("{count} highlights imported since (they carry no date of entry, so every remake sees "
                          "them)") if table == "highlights" else
                        _("{count} records imported since (they carry no date of entry, so every remake sees them)"))
                lines.append(said.format(count=count))
        return lines

    def _local(self, moment: str) -> str:
        """A moment of the store (ISO UTC) in the configured time zone, to the minute, as a person reads it."""
        return local_text(moment, ZoneInfo(self.producer.settings.timezone))

    def _text_changes(self, original: Report, rendered: Rendered) -> list[str]:
        docx = original.file("docx")
        path = self.archive.path(docx.path) if docx else None
        if path is None or not path.is_file() or sha256_of(path) != docx.sha256:
            return [_("(the archived file is missing or damaged, so its text cannot be compared)")]
        diff = difflib.unified_diff(docx_text(path.read_bytes()), docx_text(rendered.docx), "archived", "remade",
                                    n=0, lineterm="")
        changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        return [_("text: {line}").format(line=line) for line in changed[:2 * LISTED]]


def docx_text(data: bytes) -> list[str]:
    """The paragraphs and table rows of a .docx, as lines of text."""
    import docx

    return document_lines(docx.Document(io.BytesIO(data)))
