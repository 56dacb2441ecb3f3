"""Store: the SQLite database and what is read from it. The connection and migrations (``db``), the
catalog of regions and indicators, observations with their revisions (as-of, roll-ups), the facts one
briefing needs, and the numbers of briefings (第N期) counted in the ledger's table (``issues``).

May import ``figures`` and the base modules (errors, files, settings, i18n).
"""

from .db import Store

__all__ = ["Store"]
