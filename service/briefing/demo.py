"""The demo: a fresh database from the sample data in data/sample, built beside its target and moved
into place only when complete, so running it twice (or twice at once) is safe."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import UsageError
from .ingest import ingest_files
from .store import Store

SAMPLE_FILES = ("regions.csv", "indicators.csv", "observations.csv", "highlights.csv", "records.csv")
CORRECTIONS = "corrections.csv"


def sample_dir() -> Path:
    """data/sample of the checkout this package runs from, or BRIEFING_SAMPLE_DIR."""
    configured = os.environ.get("BRIEFING_SAMPLE_DIR")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[2] / "data" / "sample"
    if not (folder / SAMPLE_FILES[0]).is_file():
        raise UsageError(f"the sample data is not at {folder}",
                         "Run the demo from a checkout of briefing, or set BRIEFING_SAMPLE_DIR to its data/sample.")
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
