"""The database schema as a plain ordered list of migrations.

Each migration is a function taking a ``sqlite_utils.Database`` inside an open write
transaction. They run once each, in order, and are recorded in ``_migrations``. Never edit a
migration that has shipped: add a new one.
"""

from __future__ import annotations

from typing import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def m001_catalog(db: sqlite_utils.Database) -> None:
    """Regions with a hierarchy; indicators with their kind, unit and aggregation."""
    db.execute("""
        CREATE TABLE regions (
            code   TEXT PRIMARY KEY,
            name   TEXT NOT NULL UNIQUE,
            parent TEXT REFERENCES regions(code),
            level  TEXT,
            sort   INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("""
        CREATE TABLE indicators (
            code         TEXT PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            domain       TEXT NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('flow', 'stock', 'rate', 'per_unit')),
            unit         TEXT NOT NULL,
            per          TEXT,
            frequency    TEXT NOT NULL CHECK (frequency IN ('year', 'quarter', 'month', 'week', 'day')),
            time_agg     TEXT NOT NULL CHECK (time_agg IN ('sum', 'last', 'max', 'mean')),
            region_agg   TEXT NOT NULL CHECK (region_agg IN ('sum', 'max', 'mean', 'ratio', 'none')),
            decimals     INTEGER NOT NULL DEFAULT 0,
            record_scope TEXT,
            numerator    TEXT REFERENCES indicators(code),
            denominator  TEXT REFERENCES indicators(code),
            signed       INTEGER NOT NULL DEFAULT 0,
            description  TEXT,
            sort         INTEGER NOT NULL DEFAULT 0
        )""")


def m002_figures(db: sqlite_utils.Database) -> None:
    """Observations with revisions, import batches, highlights and reference records."""
    db.execute("""
        CREATE TABLE batches (
            id          INTEGER PRIMARY KEY,
            file        TEXT NOT NULL,
            sha256      TEXT NOT NULL,
            table_kind  TEXT NOT NULL,
            rows        INTEGER NOT NULL,
            added       INTEGER NOT NULL,
            revised     INTEGER NOT NULL,
            unchanged   INTEGER NOT NULL,
            imported_at TEXT NOT NULL
        )""")
    # Clustered on its key (WITHOUT ROWID): one B-tree, so a bulk import maintains no second index, and
    # the figures of one indicator and region lie together in period order. A period key sorts in time
    # order within its kind, and each indicator has one kind, so no date columns are needed.
    # A revision is valid from recorded_at until superseded_at, when the next revision was recorded
    # (NULL while it is the latest): "as of T" is a filter on each row, with no grouping. The value of a
    # revision is never changed; only superseded_at is set, once, when a correction arrives.
    db.execute("""
        CREATE TABLE observations (
            indicator   TEXT NOT NULL REFERENCES indicators(code),
            region      TEXT NOT NULL REFERENCES regions(code),
            period      TEXT NOT NULL,
            revision    INTEGER NOT NULL,
            value       REAL NOT NULL,
            recorded_at TEXT NOT NULL,
            superseded_at TEXT,
            source      TEXT,
            note        TEXT,
            batch       INTEGER REFERENCES batches(id),
            PRIMARY KEY (indicator, region, period, revision)
        ) WITHOUT ROWID""")
    db.execute("""
        CREATE TABLE highlights (
            id     INTEGER PRIMARY KEY,
            date   TEXT NOT NULL,
            region TEXT NOT NULL REFERENCES regions(code),
            domain TEXT NOT NULL,
            text   TEXT NOT NULL,
            source TEXT,
            batch  INTEGER REFERENCES batches(id),
            UNIQUE (date, region, text)
        )""")
    db.execute("""
        CREATE TABLE records (
            id            INTEGER PRIMARY KEY,
            indicator     TEXT NOT NULL REFERENCES indicators(code),
            scope         TEXT NOT NULL,
            value         REAL NOT NULL,
            period        TEXT NOT NULL,
            holder        TEXT NOT NULL,
            holder_region TEXT REFERENCES regions(code),
            source        TEXT,
            note          TEXT,
            batch         INTEGER REFERENCES batches(id),
            UNIQUE (indicator, scope, period, holder)
        )""")


def m003_wording(db: sqlite_utils.Database) -> None:
    """How an indicator's changes are worded: volume 增长/下降, price 上涨/下降, crop 增产/减产, rate 提高/下降,
    rate_rise 上升/下降, gap 扩大/缩小 (NULL: by its kind)."""
    db.execute("ALTER TABLE indicators ADD COLUMN wording TEXT")


def m004_reports(db: sqlite_utils.Database) -> None:
    """The ledger of briefings made: one row per version of a (template, period, region, script), with
    the files written and what they were made from; the template sources used; when each schedule was
    first seen (where it starts when it names no start)."""
    # A scheduled briefing is version 1; a remake adds the next version. The unique key is what makes a
    # claim exclusive: two processes inserting the same key inside BEGIN IMMEDIATE cannot both succeed.
    db.execute("""
        CREATE TABLE reports (
            id          INTEGER PRIMARY KEY,
            template    TEXT NOT NULL,
            period      TEXT NOT NULL,
            region      TEXT NOT NULL REFERENCES regions(code),
            script      TEXT NOT NULL,
            version     INTEGER NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('claimed', 'done', 'failed', 'pruned')),
            schedule    TEXT,
            due_at      TEXT,
            as_of       TEXT NOT NULL,
            stem        TEXT NOT NULL,
            remake_of   INTEGER REFERENCES reports(id),
            claimed_by  TEXT,
            host        TEXT,
            pid         INTEGER,
            lease_until TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            retry_at    TEXT,
            error       TEXT,
            data_batch  INTEGER,
            template_version TEXT,
            software    TEXT,
            created_at  TEXT NOT NULL,
            done_at     TEXT,
            pruned_at   TEXT,
            UNIQUE (template, period, region, script, version)
        )""")
    db.execute("""
        CREATE TABLE report_files (
            report  INTEGER NOT NULL REFERENCES reports(id),
            format  TEXT NOT NULL,
            path    TEXT NOT NULL UNIQUE,
            sha256  TEXT NOT NULL,
            size    INTEGER NOT NULL,
            PRIMARY KEY (report, format)
        )""")
    db.execute("""
        CREATE TABLE template_versions (
            version    TEXT PRIMARY KEY,
            template   TEXT NOT NULL,
            files      TEXT NOT NULL,
            first_used TEXT NOT NULL
        )""")
    db.execute("CREATE TABLE schedules_seen (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL)")


def m005_report_states(db: sqlite_utils.Database) -> None:
    """A briefing can wait (its period has no figures yet, or its parts have not all reported), and records
    which parts it covered and which it lacked. The status CHECK gains 'waiting' by SQLite's documented way
    of changing a constraint in place (rebuilding the table would trip the foreign keys that point at it):
    the table's SQL is rewritten in sqlite_master and the schema version bumped."""
    db.execute("ALTER TABLE reports ADD COLUMN covered TEXT")
    db.execute("ALTER TABLE reports ADD COLUMN missing TEXT")
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'reports'").fetchone()
    old = "CHECK (status IN ('claimed', 'done', 'failed', 'pruned'))"
    if old not in sql:
        raise RuntimeError(f"m005: unexpected schema of reports: {sql}")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'reports'",
               [sql.replace(old, "CHECK (status IN ('claimed', 'done', 'failed', 'waiting', 'pruned'))")])
    db.execute(f"PRAGMA schema_version = {version + 1}")
    db.execute("PRAGMA writable_schema = OFF")


def m006_domains_office(db: sqlite_utils.Database) -> None:
    """The office's domains: the sections of its briefings, each with its heading (第一行｜第二行) and order;
    and the office's own settings (the programme's name, 来源/作者/责任编辑, its template folders). A
    database made before keeps the domains its indicators and highlights name, headed by their names."""
    db.execute("""
        CREATE TABLE domains (
            name    TEXT PRIMARY KEY,
            heading TEXT,
            sort    INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("""
        INSERT INTO domains (name, sort)
        SELECT domain, MIN(sort) FROM (SELECT domain, sort FROM indicators
                                       UNION ALL SELECT domain, (SELECT COALESCE(MAX(sort), 0) + 1 FROM indicators)
                                       FROM highlights)
        GROUP BY domain ORDER BY MIN(sort), domain""")
    db.execute("CREATE TABLE office (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def m007_corrections(db: sqlite_utils.Database) -> None:
    """A version made because its period's figures changed later (a corrected edition, 更正版) names the
    briefing it corrects: the note of what changed is read again from that one's moment."""
    db.execute("ALTER TABLE reports ADD COLUMN corrects INTEGER REFERENCES reports(id)")


def m008_issues(db: sqlite_utils.Database) -> None:
    """A briefing's number (第N期), counted per template and region (store/issues.py), and the recipients its
    schedule named (报、送、发, JSON), kept so that a remake says the same. The briefings made before are
    numbered in the order they were first made."""
    db.execute("ALTER TABLE reports ADD COLUMN issue INTEGER")
    db.execute("ALTER TABLE reports ADD COLUMN recipients TEXT")
    db.execute("""
        WITH firsts AS (SELECT template, region, period, MIN(id) AS first FROM reports
                        WHERE status IN ('done', 'pruned') GROUP BY template, region, period),
             numbered AS (SELECT template, region, period,
                                 ROW_NUMBER() OVER (PARTITION BY template, region ORDER BY first) AS issue FROM firsts)
        UPDATE reports SET issue = (SELECT n.issue FROM numbered n WHERE n.template = reports.template
                                    AND n.region = reports.region AND n.period = reports.period)
        WHERE status IN ('done', 'pruned')""")


def m009_runs(db: sqlite_utils.Database) -> None:
    """What `briefing runs` shows of a briefing's latest attempt: when it began (started_at, the clock) and how
    long it took (duration_ms, until it was made, failed or set to wait); and since when it has been failing
    (failed_since: set by its first failure, cleared when it is made or waits), so a failure is reported once.
    Rows made before have none of these: a briefing failing when the database is upgraded is reported at its
    next failure."""
    db.execute("ALTER TABLE reports ADD COLUMN started_at TEXT")
    db.execute("ALTER TABLE reports ADD COLUMN duration_ms INTEGER")
    db.execute("ALTER TABLE reports ADD COLUMN failed_since TEXT")


def m010_deliveries(db: sqlite_utils.Database) -> None:
    """The outbox of delivery (delivery/outbox.py): one row per (report, channel, recipient), the key that makes
    a briefing reach each reader once. A row is queued, then sending (held by one process until its lease runs
    out), then sent or failed; a failed send is tried again at next_at, after a doubling wait, until its attempts
    run out. ``kind`` is what is sent: the briefing, or a short notice of a failure (its text in ``notice``):
    ``failed`` for the briefing's own failure, ``failed:ID`` for the delivery ID that failed for good."""
    db.execute("""
        CREATE TABLE deliveries (
            id          INTEGER PRIMARY KEY,
            report      INTEGER NOT NULL REFERENCES reports(id),
            channel     TEXT NOT NULL,
            recipient   TEXT NOT NULL DEFAULT '',
            name        TEXT NOT NULL DEFAULT '',
            kind        TEXT NOT NULL DEFAULT 'briefing',
            notice      TEXT,
            state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts    INTEGER NOT NULL DEFAULT 0,
            next_at     TEXT NOT NULL,
            holder      TEXT,
            lease_until TEXT,
            error       TEXT,
            created_at  TEXT NOT NULL,
            sent_at     TEXT,
            receipt     TEXT,
            UNIQUE (report, channel, recipient, kind)
        )""")
    db.execute("CREATE INDEX deliveries_due ON deliveries (state, next_at)")


def m011_approvals(db: sqlite_utils.Database) -> None:
    """Sign-off (审核/签发, archive/approvals.py): the events of a briefing whose schedule requires it, in order:
    asked (made and waiting for an approver), then approved (its deliveries queued) or returned (sent back, with
    the reason in ``comment``); who (``by``) and when (``at``, ISO UTC). A briefing with no event needs none."""
    db.execute("""
        CREATE TABLE approvals (
            id      INTEGER PRIMARY KEY,
            report  INTEGER NOT NULL REFERENCES reports(id),
            action  TEXT NOT NULL CHECK (action IN ('asked', 'approved', 'returned')),
            by      TEXT,
            at      TEXT NOT NULL,
            comment TEXT
        )""")
    db.execute("CREATE INDEX approvals_report ON approvals (report, id)")


def m012_report_text(db: sqlite_utils.Database) -> None:
    """What a search of the archive reads (archive/search.py): each archived briefing's title and plain text, as
    its .docx holds them; kept when it is archived, and read from the archived file for those made before."""
    db.execute("""
        CREATE TABLE report_text (
            report INTEGER PRIMARY KEY REFERENCES reports(id),
            title  TEXT NOT NULL,
            body   TEXT NOT NULL
        )""")

def m013_latest_figures(db: sqlite_utils.Database) -> None:
    """The latest figure of every series (indicator × region with figures of its own), kept at import
    (store/latest.py): its latest period's key, that figure and the figure of the same period a year earlier
    (NULL: none), each the current revision; and ``newest``, the latest recorded_at or superseded_at of all the
    series' rows, from which on the row holds as of any moment. Filled from the figures already stored."""
    db.execute("""
        CREATE TABLE latest_figures (
            indicator TEXT NOT NULL,
            region    TEXT NOT NULL,
            period    TEXT NOT NULL,
            value     REAL NOT NULL,
            year_ago  REAL,
            newest    TEXT NOT NULL,
            PRIMARY KEY (indicator, region)
        ) WITHOUT ROWID""")
    from .latest import rebuild  # here, not at the top: opening a database need not import the figures' code

    rebuild(db)


MIGRATIONS: tuple[Migration, ...] = (m001_catalog, m002_figures, m003_wording, m004_reports, m005_report_states,
                                     m006_domains_office,
                                     m007_corrections,
                                     m008_issues,
                                     m009_runs,
                                     m010_deliveries,
                                     m011_approvals, m012_report_text,
                                     m013_latest_figures)
