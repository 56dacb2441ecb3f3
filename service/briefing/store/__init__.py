"""Store: the SQLite database and what is read from it. The connection and migrations (``db``), the
catalog of regions and indicators, observations with their revisions (as-of, roll-ups), and the facts one
briefing needs.

May import ``figures`` and the base modules (errors, files, settings).
"""

from .db import Store

__all__ = ["Store"]
