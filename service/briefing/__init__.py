"""briefing: scheduled Word briefings (简报) from program figures kept in SQLite.

The package is a pure core (periods, comparisons, phrasing) inside a thin shell (store, ingest,
CLI). Nothing here starts a scheduler, opens a database or reads configuration at import time.
"""

__version__ = "0.1.0"
