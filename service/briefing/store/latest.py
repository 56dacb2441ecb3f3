"""The latest figure and the figure a year earlier of every series, kept at import (the table latest_figures).

For each indicator × region with figures of its own, the table holds its latest period's key, that figure and
the figure of the same period a year earlier, as the database now stands (each figure's current revision), and
``newest``: the latest recorded_at or superseded_at among all the series' rows. As of a moment at or after
``newest`` each row of the series is valid exactly when it is valid now (recorded by then, and superseded by
then only if it is superseded now), so the table's row is the answer as of that moment too. A series changed
after the moment asked (a correction or a figure recorded later, a 录入时间 ahead of the clock) is read from
observations as of the moment, by two index seeks; the answer is the same either way (tests/test_series_query.py
holds both to each series read whole).

An import refreshes the series it wrote, inside its own transaction (``refresh``: a check rolls it back with
the rest); migration 13 fills the table of a database made before (``rebuild``). Nothing else writes
observations: whatever does must call one of the two in the same transaction.
"""

from __future__ import annotations

import json
from typing import Iterable

import sqlite_utils

from .observations import FAR_FUTURE

# Per series, one statement per frequency: the latest figure valid at the moment, found by one descending seek
# on the observations' key that brings its period and its value (as text that reads back to the same REAL:
# %!.17g); then one seek for the figure of the same period a year earlier, valid at the same moment. Every key
# starts with its four-digit year and has its kind's length; the year-ago key is the year before with the rest
# kept (2024-W05 → 2023-W05), but 29 February gives 28 February; a week 53 whose year before has 52 gives a key
# no figure has: Period.year_ago's rules. ``series`` names the series asked for ({indicator}, {region}) and
# their indicator (i).
KEY_LENGTHS = {"year": 4, "quarter": 7, "month": 7, "week": 8, "day": 10}
_VALID = "{t}.recorded_at <= :as_of AND ({t}.superseded_at IS NULL OR {t}.superseded_at > :as_of)"   # AS_OF
_YEAR_AGO = "substr(10000 + substr(s.latest, 1, 4) - 1, 2) || substr(s.latest, 5, {rest})"
_FEBRUARY_29 = "CASE substr(s.latest, 5, 6) WHEN '-02-29' THEN '-02-28' ELSE substr(s.latest, 5, 6) END"
_PAIRS = f"""
WITH s AS MATERIALIZED (
  SELECT {{indicator}} AS indicator, {{region}} AS region,
         (SELECT o.period || ' ' || printf('%!.17g', o.value) FROM observations o
          WHERE o.indicator = {{indicator}} AND o.region = {{region}} AND {_VALID.format(t="o")}
          ORDER BY o.period DESC LIMIT 1) AS latest
  FROM {{series}} WHERE i.frequency = :kind)
SELECT s.indicator, s.region, s.latest,
       (SELECT y.value FROM observations y
        WHERE y.indicator = s.indicator AND y.region = s.region AND y.period = {{year_ago}}
          AND {_VALID.format(t="y")})
FROM s WHERE s.latest IS NOT NULL"""
# Which series the statement reads: every one of the catalog (the statement before the table); those whose row
# may not hold as of the moment.
_EVERY = {"series": "indicators i CROSS JOIN regions r", "indicator": "i.code", "region": "r.code"}
_CHANGED_SINCE = {"series": "latest_figures t JOIN indicators i ON i.code = t.indicator AND t.newest > :as_of",
                  "indicator": "t.indicator", "region": "t.region"}
# The rows of the series given as JSON [[indicator, region, newest] …], as the database now stands, in one
# statement for every kind: the series' latest key (each key has a current revision, so it is the latest valid
# one), its current revision, and the current revision of the same period a year earlier, keyed as above (the
# rest of the key kept whatever its kind; only a day's can be -02-29).
_REFRESH = """
INSERT INTO latest_figures (indicator, region, period, value, year_ago, newest)
WITH t AS MATERIALIZED (SELECT json_extract(j.value, '$[0]') AS indicator, json_extract(j.value, '$[1]') AS region,
                               json_extract(j.value, '$[2]') AS newest FROM json_each(:series) j),
     s AS MATERIALIZED (SELECT t.indicator, t.region, t.newest,
                               (SELECT max(o.period) FROM observations o
                                WHERE o.indicator = t.indicator AND o.region = t.region) AS latest FROM t)
SELECT s.indicator, s.region, s.latest, c.value,
       (SELECT y.value FROM observations y
        WHERE y.indicator = s.indicator AND y.region = s.region AND y.superseded_at IS NULL
          AND y.period = substr(10000 + substr(s.latest, 1, 4) - 1, 2)
                         || CASE substr(s.latest, 5) WHEN '-02-29' THEN '-02-28' ELSE substr(s.latest, 5) END),
       s.newest
FROM s JOIN observations c ON c.indicator = s.indicator AND c.region = s.region AND c.period = s.latest
                          AND c.superseded_at IS NULL
WHERE true
ON CONFLICT (indicator, region) DO UPDATE SET period = excluded.period, value = excluded.value,
    year_ago = excluded.year_ago, newest = max(newest, excluded.newest)"""


def latest_and_year_ago(db: sqlite_utils.Database, as_of: str = FAR_FUTURE
                        ) -> list[tuple[str, str, str, float, float | None]]:
    """For every indicator × region with figures of its own, as known at ``as_of``: (indicator, region, the
    latest period's key, its figure, the figure of the same period a year earlier or None), each figure the
    revision valid at the moment, in no particular order. Each series' row of the table when nothing of it
    changed after the moment, else its two index seeks (one statement per frequency). The figures are the
    stored numbers: ``observations.decimal()`` makes one the Decimal it was imported as when a comparison
    needs it (``observations.year_on_year``). Read in one snapshot (a savepoint), so an import committed
    meanwhile cannot give a series twice."""
    moment = {"as_of": as_of}
    db.execute("SAVEPOINT latest_and_year_ago")
    try:
        out = db.execute("SELECT indicator, region, period, value, year_ago FROM latest_figures "
                         "WHERE newest <= :as_of", moment).fetchall()
        out += _pairs(db, _CHANGED_SINCE, moment)
    finally:
        db.execute("RELEASE latest_and_year_ago")
    return out


def from_observations(db: sqlite_utils.Database, as_of: str = FAR_FUTURE) -> list[tuple]:
    """What latest_and_year_ago gives, read from observations alone: every series of the catalog by its two
    seeks (the statement before the table, and what a series changed after the moment is read by)."""
    return _pairs(db, _EVERY, {"as_of": as_of})


def _pairs(db: sqlite_utils.Database, series: dict, params: dict) -> list[tuple]:
    """The statement, for each kind among them, of the series ``series`` names, with the parameters (:as_of …)."""
    out = []
    for (kind,) in db.execute(f"SELECT DISTINCT i.frequency FROM {series['series']}", params).fetchall():
        length = KEY_LENGTHS[kind]
        year_ago = (_YEAR_AGO.format(rest=length - 4) if kind != "day"
                    else _YEAR_AGO.format(rest=0) + " || " + _FEBRUARY_29)
        rows = db.execute(_PAIRS.format(year_ago=year_ago, **series), {"kind": kind, **params})
        out += [(indicator, region, latest[:length], float(latest[length + 1:]), base)
                for indicator, region, latest, base in rows]
    return out


def refresh(db: sqlite_utils.Database, series: Iterable[tuple[str, str]], newest: str) -> None:
    """The rows of the series an import wrote figures of, again as the database now stands, inside the import's
    transaction; ``newest``: the latest 录入时间 among the figures it wrote (a series' own stays if later)."""
    _store(db, [(indicator, region, newest) for indicator, region in series])


def rebuild(db: sqlite_utils.Database) -> None:
    """The whole table again from observations (a database made before the table; a database written
    directly), each series with its own newest moment."""
    db.execute("DELETE FROM latest_figures")
    _store(db, db.execute("SELECT indicator, region, max(max(recorded_at), coalesce(max(superseded_at), '')) "
                          "FROM observations GROUP BY indicator, region").fetchall())


def _store(db: sqlite_utils.Database, series: list[tuple[str, str, str]]) -> None:
    """Each series' row as now (each figure's current revision), with its newest moment."""
    if series:   # in key order: the seeks and the inserts go through the B-trees in order
        db.execute(_REFRESH, {"series": json.dumps(sorted(series))})
