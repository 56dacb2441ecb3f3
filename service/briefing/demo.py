"""The demo: a fresh database from the sample data (data/sample, shipped in the package), built beside its
target and moved into place only when complete, so running it twice (or twice at once) is safe."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .documents.make import Request, make, write_outputs
from .errors import UsageError
from .figures.period_text import parse_period
from .figures.periods import Period, period_of
from .i18n import _
from .ingest import ingest_files
from .store.db import Store

# office.csv names the sample's own template folder (templates/article: the first article from the data), so
# `briefing --db data/demo.db generate --template article` finds it through the demo database
SAMPLE_FILES = ("regions.csv", "indicators.csv", "observations.csv", "highlights.csv", "records.csv", "office.csv",
                "domains.csv")
CORRECTIONS = "corrections.csv"
SAMPLE = (Path(__file__).parent / "sample").resolve()


def sample_dir() -> Path:
    """The sample data: ``sample`` beside this module, a link to data/sample in a checkout and a copy of it in
    an installed wheel (pyproject.toml's package-data)."""
    folder = SAMPLE
    if not (folder / SAMPLE_FILES[0]).is_file():
        raise UsageError(_("the sample data is not at {folder}").format(folder=folder),
                         _("Install briefing again (pip install --force-reinstall): the package is incomplete."))
    return folder


def build(target: Path, tz: ZoneInfo) -> Path:
    """A new database at target holding the sample data and its one correction."""
    folder = sample_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        with Store(temp) as store:
            ingest_files(store, [folder / name for name in SAMPLE_FILES], tz)
            ingest_files(store, [folder / CORRECTIONS], tz)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(temp, target)
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return target


def briefings(settings, tz: ZoneInfo, db: Path, region: str, moment: str, as_of_given: bool) -> list[Path]:
    """The latest weekly briefing and the first article (the sample's own template), as known at the moment
    (the latest figures if none)."""
    with Store(db, create=False) as store:
        week = _latest_week(store, moment)
        last = store.db.execute("SELECT MAX(recorded_at) FROM observations WHERE recorded_at <= ?",
                                [moment]).fetchone()[0]
        day = datetime.fromisoformat(moment if as_of_given else last).astimezone(tz).date()
        made = [make(store, settings, Request("weekly", week, region, moment)),
                make(store, settings, Request("article", period_of("day", day), region, moment))]
    folder = Path(settings.output_dir)
    return [p for m in made for p in write_outputs(m, ("docx", "html"), folder, settings.reference_docx or None)]


def _latest_week(store: Store, moment: str) -> Period:
    """The last ISO week with weekly figures recorded by the moment."""
    row = store.db.execute("SELECT MAX(o.period) FROM observations o JOIN indicators i ON i.code = o.indicator "
                           "WHERE i.frequency = 'week' AND o.recorded_at <= ?", [moment]).fetchone()
    if not row or not row[0]:
        raise UsageError(_("the sample has no weekly figures to write a weekly briefing from"))
    return parse_period(row[0], "week")
