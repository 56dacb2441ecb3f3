"""The SQLite store: one connection, WAL, a busy timeout, and BEGIN IMMEDIATE for every write.

A plain ``BEGIN`` (what ``sqlite_utils.Database.atomic`` issues) that reads before it writes fails
at once with "database is locked" when another connection writes, whatever the busy timeout; so
every write transaction here starts with ``BEGIN IMMEDIATE`` (measured; see docs/architecture.md). The
connection runs in autocommit mode, so nothing opens a transaction behind our back; sqlite-utils
calls made inside ``Store.write()`` nest as savepoints.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from queue import Empty, Queue

import sqlite_utils

from ..errors import DamagedStore, StoreError
from ..i18n import _
from .migrations import MIGRATIONS

log = logging.getLogger(__name__)


class Store:
    """An open briefing database."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 5000, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(_("no database at {path}").format(path=self.path),
                             _("Run `briefing init` (empty) or `briefing demo` (sample data) first, or pass --db."))
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout_ms / 1000,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            unmarked = _ours(conn, self.path)   # before anything changes the file (WAL, tables)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_CORRUPT:
                raise DamagedStore(self.path, exc) from None
            raise StoreError(_("{path} cannot be opened as a SQLite database: {error}").format(
                             path=self.path, error=exc), _("Check the path given with --db or BRIEFING_DB.")) from None
        self.conn = conn
        # no sqlite-utils plugins: none is briefing's, and finding them reads every installed package (13 ms a start)
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self.migrate()
        if unmarked:
            with self.write():
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction started with BEGIN IMMEDIATE; commits on success, rolls back on error."""
        if self.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint inside the outer immediate transaction
                yield self.db
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_("{path}: could not start writing: {error}").format(path=self.path, error=exc),
                             _("Another process holds the database; try again, or raise busy_timeout_ms.")) from None
        try:
            yield self.db
        except BaseException:
            self._rollback()
            raise
        self._commit()

    @contextlib.contextmanager
    def write_checked(self) -> Iterator[sqlite_utils.Database]:
        """write() with foreign keys off (they cannot be switched inside a transaction): for a bulk insert
        whose every code the caller checked against its parent table inside this same transaction. Its page
        cache is BULK_CACHE_KIB while it lasts, so fewer of its pages are written to the WAL before the commit
        (a million rows: 5% less time writing them); the commit and its fsync are as for any write."""
        if self.conn.in_transaction:
            with self.write() as db:
                yield db
            return
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute("PRAGMA foreign_keys = OFF")
        self.conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        try:
            with self.write() as db:
                yield db
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")
            self.conn.execute("PRAGMA foreign_keys = ON")

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # A failed COMMIT (a deferred constraint, a full disk) leaves the transaction open, and the next
            # write() would nest in it as a savepoint and never commit: roll back, as Database.atomic() does.
            self._rollback()
            if not isinstance(exc, sqlite3.Error):
                raise
            raise StoreError(_("{path}: the change could not be saved (COMMIT failed: {error}); nothing of it was "
                               "written").format(path=self.path, error=exc),
                             _("The database is as it was before. Free disk space or make the file writable and run "
                               "the command again; if the message names a constraint, report it as a bug in "
                               "briefing.")) from exc

    def _rollback(self) -> None:
        """ROLLBACK if a transaction is open (an error such as a RAISE(ROLLBACK) trigger may have ended it)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """A read transaction: every query inside sees the database as it was at the first one (WAL keeps
        that snapshot while writers go on), so what a briefing reads is one consistent state."""
        if self.conn.in_transaction:
            yield self.db
            return
        self.conn.execute("BEGIN")
        try:
            yield self.db
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def migrate(self) -> list[str]:
        """Apply the migrations this database has not seen; return their names."""
        if self._applied() == [m.__name__ for m in MIGRATIONS]:
            return []  # the common case: checked without taking the write lock
        with self.write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = self._applied()
            unknown = [name for name in done if name not in {m.__name__ for m in MIGRATIONS}]
            if unknown:
                raise StoreError(_("{path} was written by a newer version of briefing (migration {name})").format(
                                 path=self.path, name=unknown[0]), _("Upgrade briefing before using this database."))
            applied = []
            for migration in MIGRATIONS:
                if migration.__name__ not in done:
                    migration(db)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", [migration.__name__, utcnow()])
                    applied.append(migration.__name__)
        if applied:
            log.info("applied migrations %s to %s", ", ".join(applied), self.path)
        return applied

    def _applied(self) -> list[str]:
        if not self.db["_migrations"].exists():
            return []
        return [row[0] for row in self.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

    def backup(self, target: Path) -> int:
        """A consistent copy of the database into *target* (SQLite's online backup: writers go on meanwhile),
        written beside it and renamed into place; returns its pages."""
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial)
        try:
            self.conn.backup(copy, pages=1024)
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
        finally:
            copy.close()
        partial.replace(target)
        return pages

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def execute_overlapped(conn: sqlite3.Connection, statements: Iterable[tuple[str, list]]) -> None:
    """Execute (SQL, parameters) pairs in order on this thread while another thread makes the next ones: SQLite
    writes without holding Python's lock, so making one statement's parameters overlaps writing the one before.
    An error on either side stops both and is raised here, with nothing more executed."""
    made: Queue = Queue(maxsize=2)
    stop = threading.Event()

    def make() -> None:
        try:
            for statement in statements:
                if stop.is_set():
                    return
                made.put(statement)
        except BaseException as exc:   # handed over and raised on this thread
            made.put(exc)
            return
        made.put(None)

    maker = threading.Thread(target=make, name="briefing-statements", daemon=True)
    maker.start()
    try:
        while (statement := made.get()) is not None:
            if isinstance(statement, BaseException):
                raise statement
            conn.execute(*statement)
    finally:
        stop.set()
        while maker.is_alive():   # a put waiting on a full queue
            with contextlib.suppress(Empty):
                made.get_nowait()
            maker.join(0.01)


BULK_CACHE_KIB = 32 * 1024    # the page cache of a bulk insert (SQLite's default is 2 MiB)
SQLITE_CORRUPT = 11           # the primary result code of a damaged page ("database disk image is malformed")
APPLICATION_ID = 0x42524946   # "BRIF" in the file's header (PRAGMA application_id): a briefing database


def _ours(conn: sqlite3.Connection, path: Path) -> bool:
    """Whether the database is briefing's to use; True when it is still to be marked as ours (a new, empty
    file, or one made by a version before the mark, known by its _migrations table). Another application's
    database is refused before anything is written to it."""
    mark = conn.execute("PRAGMA application_id").fetchone()[0]
    if mark == APPLICATION_ID:
        return False
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    if mark == 0 and (not tables or "_migrations" in tables):
        return True
    held = (_("application id {id}").format(id=f"{mark:#x}") if mark else
            _("tables {names}").format(names=", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")))
    raise StoreError(_("{path} is not a briefing database (it holds another application's {held}); nothing was "
                       "changed in it").format(path=path, held=held),
                     _("Give --db (or BRIEFING_DB) a new file, or briefing's own database; briefing never adds its "
                       "tables to another application's database."))


def integrity(path: Path) -> list[str]:
    """What SQLite's PRAGMA integrity_check finds wrong in a database ([] when nothing), read on a connection of
    its own, without migrating, so a damaged database can be checked."""
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        found = [row[0] for row in conn.execute("PRAGMA integrity_check(200)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if found == ["ok"] else found


def iso_utc(moment: datetime) -> str:
    """A moment as the store writes it: ISO 8601 in UTC, to the second (so text order is time order)."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


SHOWN = "%Y-%m-%d %H:%M"     # a moment as a person reads it in a listing (in their time zone, to the minute)


def in_zone(moment: str | datetime, tz: tzinfo) -> datetime:
    """A moment of the store (ISO, as iso_utc writes it) or a datetime, in a time zone."""
    return (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).astimezone(tz)


def local_text(moment: str | None, tz: tzinfo) -> str:
    """A moment of the store as a person reads it (SHOWN, in tz); "" for none."""
    return in_zone(moment, tz).strftime(SHOWN) if moment else ""


def utcnow() -> str:
    """The current time as the store writes it."""
    return iso_utc(datetime.now(timezone.utc))
