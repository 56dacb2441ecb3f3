"""The numbers of a kind of briefing (第N期): counted per template and region in the ledger's reports table.

A briefing's number is the one its period already has (a remake, a corrected edition, the other script's
edition: the same issue), else one more than the highest its template and region have so far, which in the
usual course is the count of the briefings made before it. Only reports that are made, pruned or being made
hold a number: one that failed or waits for its figures gives its number back, and takes the next when it is
made. The ledger records the number when it claims a briefing (archive/ledger.py), inside its write
transaction, so two processes never give one number twice; a briefing made outside the archive is numbered
the same way and records nothing.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

HOLDING = "status IN ('done', 'pruned', 'claimed') AND issue IS NOT NULL"


def issue_of(db: sqlite_utils.Database | sqlite3.Connection, template: str, region: str, period: str) -> int:
    """第N期 of a template's briefing of a region for a period (a region code and a period key)."""
    row = db.execute(f"SELECT issue FROM reports WHERE template = ? AND region = ? AND period = ? AND {HOLDING} "
                     "ORDER BY id LIMIT 1", [template, region, period]).fetchone()
    if row is not None:
        return row[0]
    (highest,) = db.execute(f"SELECT COALESCE(MAX(issue), 0) FROM reports WHERE template = ? AND region = ? "
                            f"AND {HOLDING}", [template, region]).fetchone()
    return highest + 1
