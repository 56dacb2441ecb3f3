"""The common rows of a large import, checked and written a column at a time.

Most rows of a large file of figures are alike: a known indicator whose plain whole numbers need no check, a
known region, a period and a 录入时间 seen before, a count in digits, a key not yet stored. A block of such
rows is checked with a few passes over its columns (sets of its distinct codes, ``map`` over its cells) instead
of a Python loop over its rows, and kept as one integer a row: indicator, region and period packed in the order
SQLite keeps them, and the row's place in the lists of figures and times. The figures stay the text typed (the
column is REAL: SQLite reads the digits as the number). Sorted, the integers give the rows in key order, which
shows at once whether two rows share a key, and inserts them where SQLite appends to its B-tree.

A block with anything else (a blank row, a code first seen wrong, a figure to check, a key stored or repeated
within it) returns False and is checked row by row (observations.py).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from itertools import chain, islice, repeat
from operator import add, and_, lshift, lt, or_, rshift, xor

from ..store.catalog import Catalog
from . import cells

_BITS = 24                  # a region's rank and a period's number each take 24 bits of a packed key
_LOW = (1 << _BITS) - 1


class Keys:
    """Packs (indicator, region, period) into an integer whose order is the codes' order (the periods' in the
    order first met: what matters to SQLite's B-tree is that one series' rows come together)."""

    def __init__(self, catalog: Catalog, max_rows: int):
        self.indicator_codes = sorted(catalog.indicators)
        self.region_codes = sorted(catalog.regions)
        self.indicators = {code: rank << 2 * _BITS for rank, code in enumerate(self.indicator_codes)}
        self.regions = {code: rank << _BITS for rank, code in enumerate(self.region_codes)}
        self.periods: dict[str, int] = {}
        self.period_keys: list[str] = []
        self.shift = max(max_rows, 1).bit_length() + 1    # a row's place in the lists, below its key

    def period(self, key: str) -> int:
        number = self.periods.get(key)
        if number is None:
            number = self.periods[key] = len(self.period_keys)
            self.period_keys.append(key)
        return number

    def pack(self, indicator: str, region: str, period: str) -> int | None:
        """The key of stored or checked codes; None for a period no common row has."""
        number = self.periods.get(period)
        return None if number is None else self.indicators[indicator] + self.regions[region] + number


class Validated:
    """The rows an import writes: the common ones packed (key << shift | place) with their figures and times,
    the others as tuples (indicator, region, period, value, revision, recorded_at, source, note, None)."""

    def __init__(self, keys: Keys):
        self.keys = keys
        self.packed: list[int] = []
        self.values: list[str] = []
        self.times: list[str] = []
        self.rows: list[tuple] = []
        self.stored: dict[str, set[int]] = {}     # indicator -> the packed keys of its stored figures

    def __len__(self) -> int:
        return len(self.packed) + len(self.rows)


def block(columns: list[list], numbers, ix: dict, look, found: Validated) -> bool:
    """Check a block of rows a column at a time and keep them; False (nothing kept) unless every row is common."""
    if look.columns_to_check:
        return False
    values = columns[ix["value"]]
    if not values or set(map(type, values)) != {str} or not all(values) or max(map(len, values)) > cells.MAX_DIGITS:
        return False
    digits = "".join(values)
    if not (digits.isascii() and digits.isdigit()):
        return False
    codes = _codes(columns, ix, look, found.keys)
    if codes is None:
        return False
    keys = list(map(add, map(add, map(codes[0].__getitem__, columns[ix["indicator"]]),
                             map(codes[1].__getitem__, columns[ix["region"]])),
                    map(codes[2].__getitem__, columns[ix["period"]])))
    if any(stored and not stored.isdisjoint(keys) for stored in (_stored(found, look, c) for c in codes[4])):
        return False
    place = len(found.values)
    found.packed.extend(map(or_, map(lshift, keys, repeat(found.keys.shift)), range(place, place + len(keys))))
    found.values.extend(values)
    times = ix["recorded_at"]
    found.times.extend(map(codes[3].__getitem__, columns[times]) if times is not None else repeat(look.now, len(keys)))
    look.fast_added += len(keys)
    return True


def _codes(columns: list[list], ix: dict, look, keys: Keys) -> tuple | None:
    """The packed parts of each distinct indicator, region and period of the block, and each distinct time; None
    when one is not known good (the row-by-row check then says what is wrong with it)."""
    indicators = {raw: look.quiet_indicator(raw) for raw in set(columns[ix["indicator"]])}
    if None in indicators.values() or len({i.frequency for i in indicators.values()}) != 1:
        return None
    one = next(iter(indicators.values()))
    regions = {raw: look.quiet_region(raw) for raw in set(columns[ix["region"]])}
    periods = {raw: look.quiet_period(raw, one) for raw in set(columns[ix["period"]])}
    times = {}
    if ix["recorded_at"] is not None:
        times = {raw: look.quiet_moment(raw) for raw in set(columns[ix["recorded_at"]])}
    if None in regions.values() or None in periods.values() or None in times.values():
        return None
    return ({raw: keys.indicators[i.code] for raw, i in indicators.items()},
            {raw: keys.regions[r.code] for raw, r in regions.items()},
            {raw: keys.period(key) for raw, key in periods.items()}, times,
            {i.code for i in indicators.values()})


def _stored(found: Validated, look, indicator: str) -> set[int]:
    """The packed keys of the indicator's stored figures (each stored period numbered, as a common row's is)."""
    if indicator not in found.stored:
        keys = found.keys
        base = keys.indicators[indicator]
        found.stored[indicator] = {base + keys.regions[region] + keys.period(period)
                                   for region, period in look.stored(indicator) if region in keys.regions}
    return found.stored[indicator]


def collides(found: Validated, seen: dict[tuple, int]) -> bool:
    """Sort the common rows; whether two of them share a key, or one shares the key of a row checked one by one
    (``seen``)."""
    packed, shift = found.packed, found.keys.shift
    packed.sort()
    if any(map(lt, map(xor, packed, islice(packed, 1, None)), repeat(1 << shift))):
        return True
    for ind, reg, period in seen if packed else ():
        key = found.keys.pack(ind, reg, period)
        if key is not None:
            i = bisect_left(packed, key << shift)
            if i < len(packed) and packed[i] >> shift == key:
                return True
    return False


_INSERT = "INSERT INTO observations (indicator, region, period, value, recorded_at, revision, batch) VALUES "


def write(conn: sqlite3.Connection, found: Validated, batch: int) -> None:
    """Insert the common rows in key order, up to 1,000 to a statement (binding one row at a time is what
    executemany spends most of its time on)."""
    keys, packed = found.keys, found.packed
    size = max(1, min(1000, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 5))
    row = f"(?, ?, ?, ?, ?, 1, {int(batch)})"
    full = _INSERT + ",".join([row] * size)
    low, high = (1 << keys.shift) - 1, 2 * _BITS
    for start in range(0, len(packed), size):
        part = packed[start:start + size]
        key = list(map(rshift, part, repeat(keys.shift)))
        place = list(map(and_, part, repeat(low)))
        flat = list(chain.from_iterable(zip(
            map(keys.indicator_codes.__getitem__, map(rshift, key, repeat(high))),
            map(keys.region_codes.__getitem__, map(and_, map(rshift, key, repeat(_BITS)), repeat(_LOW))),
            map(keys.period_keys.__getitem__, map(and_, key, repeat(_LOW))),
            map(found.values.__getitem__, place), map(found.times.__getitem__, place))))
        conn.execute(full if len(part) == size else _INSERT + ",".join([row] * len(part)), flat)
