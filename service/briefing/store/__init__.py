"""Store: the SQLite database and what is read from it. The connection and migrations (``db``), the
catalog of regions and indicators, observations with their revisions (as-of, roll-ups), the facts one
briefing needs, and the numbers of briefings (第N期) counted in the ledger's table (``issues``).

May import ``figures`` and the base modules (errors, files, settings, i18n).
"""

import sys

# sqlite_utils imports numpy and pandas whenever they are installed, only to name their number types as column
# types; briefing stores neither, and numpy's import was 40-75 ms of every command's start. The store is where the
# wings reach sqlite_utils first: it is imported here without them, unless this process has imported them already.
_ABSENT = [name for name in ("numpy", "pandas") if name not in sys.modules]
sys.modules.update(dict.fromkeys(_ABSENT))
try:
    import sqlite_utils  # noqa: F401
finally:
    for _name in _ABSENT:
        if sys.modules.get(_name, "") is None:
            del sys.modules[_name]

from .db import Store  # noqa: E402

__all__ = ["Store"]
