"""The common rows of a large import, checked and written a column at a time.

Most rows of a large file of figures are alike: a known indicator whose plain whole numbers need no check, a
known region, a period and a 录入时间 seen before, a count in digits, a key not yet stored. A block of such
rows is checked with a few passes over its columns (sets of its distinct codes, ``map`` over its cells) instead
of a Python loop over its rows, and kept as one integer a row: indicator, region and period packed in the order
SQLite keeps them, then the number of the row's 录入时间 and the figure itself (at most 15 digits, so below
2 ** 50; the column is REAL and SQLite stores the whole number exactly as it would the digits typed). Sorted,
the integers give the rows in key order, which shows at once whether two rows share a key, and inserts them
where SQLite appends to its B-tree.

A block with anything else (a blank row, a code first seen wrong, a figure to check, a key stored or repeated
within it) returns False and is checked row by row (observations.py).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from itertools import chain, islice, repeat
from operator import add, and_, lt, rshift, xor

from ..store.catalog import Catalog
from . import cells

_BITS = 24                  # a region's rank and a period's number each take 24 bits of a packed key
_LOW = (1 << _BITS) - 1
_FIGURE = 50                # the figure's bits: cells.MAX_DIGITS digits are less than 2 ** 50
assert 10 ** cells.MAX_DIGITS <= 1 << _FIGURE


class Keys:
    """Packs (indicator, region, period) into the high bits of an integer whose order is the codes' order (the
    periods' in the order first met: what matters to SQLite's B-tree is that one series' rows come together);
    below them go the number of the row's 录入时间 and its figure. The dicts give each part already shifted."""

    def __init__(self, catalog: Catalog, max_rows: int):
        time_bits = max(max_rows, 1).bit_length() + 1     # a table has no more distinct times than rows
        self.low = time_bits + _FIGURE                     # the bits below the key
        self.indicator_codes = sorted(catalog.indicators)
        self.region_codes = sorted(catalog.regions)
        self.indicators = {code: rank << 2 * _BITS + self.low for rank, code in enumerate(self.indicator_codes)}
        self.regions = {code: rank << _BITS + self.low for rank, code in enumerate(self.region_codes)}
        self.periods: dict[str, int] = {}
        self.period_keys: list[str] = []
        self.times: dict[str, int] = {}
        self.time_keys: list[str] = []
        self.max_times = 1 << time_bits

    def period(self, key: str) -> int:
        number = self.periods.get(key)
        if number is None:
            number = self.periods[key] = len(self.period_keys) << self.low
            self.period_keys.append(key)
        return number

    def time(self, moment: str) -> int | None:
        """The number of an ISO time, shifted above the figure; None past the numbers a table can hold."""
        number = self.times.get(moment)
        if number is None and len(self.time_keys) < self.max_times:
            number = self.times[moment] = len(self.time_keys) << _FIGURE
            self.time_keys.append(moment)
        return number

    def pack(self, indicator: str, region: str, period: str) -> int | None:
        """The key of stored or checked codes; None for a period no common row has."""
        number = self.periods.get(period)
        return None if number is None else self.indicators[indicator] + self.regions[region] + number


class Validated:
    """The rows an import writes: the common ones packed (key, time, figure) by Keys, the others as tuples
    (indicator, region, period, value, revision, recorded_at, source, note, None)."""

    def __init__(self, keys: Keys):
        self.keys = keys
        self.packed: list[int] = []
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
    times = ix["recorded_at"]
    times = map(codes[3].__getitem__, columns[times]) if times is not None else repeat(codes[3][None])
    found.packed.extend(map(add, keys, map(add, times, map(int, values))))
    look.fast_added += len(keys)
    return True


def _codes(columns: list[list], ix: dict, look, keys: Keys) -> tuple | None:
    """The packed parts of each distinct indicator, region, period and time of the block (the time of the import
    under None when the table has no 录入时间), and the indicators' codes; None when one is not known good (the
    row-by-row check then says what is wrong with it)."""
    indicators = {raw: look.quiet_indicator(raw) for raw in set(columns[ix["indicator"]])}
    if None in indicators.values() or len({i.frequency for i in indicators.values()}) != 1:
        return None
    one = next(iter(indicators.values()))
    regions = {raw: look.quiet_region(raw) for raw in set(columns[ix["region"]])}
    periods = {raw: look.quiet_period(raw, one) for raw in set(columns[ix["period"]])}
    if ix["recorded_at"] is not None:
        times = {raw: look.quiet_moment(raw) for raw in set(columns[ix["recorded_at"]])}
    else:
        times = {None: look.now}
    if None in regions.values() or None in periods.values() or None in times.values():
        return None
    times = {raw: keys.time(moment) for raw, moment in times.items()}
    if None in times.values():
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
    packed, low = found.packed, found.keys.low
    packed.sort()
    if any(map(lt, map(xor, packed, islice(packed, 1, None)), repeat(1 << low))):
        return True
    for ind, reg, period in seen if packed else ():
        key = found.keys.pack(ind, reg, period)
        if key is not None:
            i = bisect_left(packed, key)
            if i < len(packed) and packed[i] >> low == key >> low:
                return True
    return False


def touched(found: Validated) -> tuple[set[tuple[str, str]], str]:
    """The (indicator, region) of every row written, and the latest 录入时间 among them ('' for none), for
    store/latest.refresh. The packed rows are sorted (collides): one bisect a series, not a step a row."""
    keys, packed = found.keys, found.packed
    shift = keys.low + _BITS
    series = {(row[0], row[1]) for row in found.rows}
    i = 0
    while i < len(packed):
        code = packed[i] >> shift
        series.add((keys.indicator_codes[code >> _BITS], keys.region_codes[code & _LOW]))
        i = bisect_left(packed, (code + 1) << shift, i)
    times = keys.time_keys if len(keys.time_keys) < 2 else [keys.time_keys[n] for n in {
        x >> _FIGURE & keys.max_times - 1 for x in packed}]
    newest = max(max(times if packed else (), default=""), max((row[5] for row in found.rows), default=""))
    return series, newest


_INSERT = "INSERT INTO observations (indicator, batch, revision, recorded_at, region, period, value) VALUES "
_ROWS = 1024                # rows to a statement, at most (a power of two: see _pieces)


def write(conn: sqlite3.Connection, found: Validated, batch: int) -> None:
    """Insert the common rows in key order, many to a statement. Binding parameters is what executemany spends
    most of its time on, so the rows of a statement share its indicator, batch and (when they have one)
    录入时间, bound once, and each row binds its region, period and figure (an integer)."""
    keys, packed = found.keys, found.packed
    size = _ROWS
    while size > 1 and 4 * size + 3 > conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER):
        size //= 2
    top = 2 * _BITS + keys.low
    start = 0
    while start < len(packed):
        rank = packed[start] >> top
        end = bisect_left(packed, (rank + 1) << top, start)
        for piece in _pieces(start, end, size):
            _insert(conn, keys, packed[piece], keys.indicator_codes[rank], batch)
        start = end


def _pieces(start: int, end: int, size: int):
    """Slices of [start, end): ``size`` rows each, then the rest in pieces of powers of two, so that there are
    few lengths of statement (each is prepared once and kept)."""
    while end - start >= size:
        yield slice(start, start + size)
        start += size
    while start < end:
        size //= 2
        if end - start >= size:
            yield slice(start, start + size)
            start += size


def _insert(conn: sqlite3.Connection, keys: Keys, part: list[int], indicator: str, batch: int) -> None:
    """One statement for rows of one indicator: their 录入时间 bound once when they share it."""
    low, mask = keys.low, keys.max_times - 1
    params: list = [indicator, batch]
    times = {x >> _FIGURE & mask for x in part} if len(keys.time_keys) > 1 else {0}
    if len(times) == 1:
        params.append(keys.time_keys[times.pop()])
        each: tuple = ()
    else:
        each = (map(keys.time_keys.__getitem__, map(and_, map(rshift, part, repeat(_FIGURE)), repeat(mask))),)
    params += chain.from_iterable(zip(
        *each,
        map(keys.region_codes.__getitem__, map(and_, map(rshift, part, repeat(_BITS + low)), repeat(_LOW))),
        map(keys.period_keys.__getitem__, map(and_, map(rshift, part, repeat(low)), repeat(_LOW))),
        map(and_, part, repeat((1 << _FIGURE) - 1))))
    conn.execute(_statement(len(part), not each), params)


_STATEMENTS: dict[tuple[int, bool], str] = {}


def _statement(rows: int, shared_time: bool) -> str:
    """INSERT of ``rows`` rows, each (?1 indicator, ?2 batch, revision 1, ?3 or its own 录入时间, its region,
    period and figure); a plain ? is numbered one past the highest number used before it."""
    text = _STATEMENTS.get((rows, shared_time))
    if text is None:
        row = "(?1, ?2, 1, ?3, ?, ?, ?)" if shared_time else "(?1, ?2, 1, ?, ?, ?, ?)"
        text = _STATEMENTS[rows, shared_time] = _INSERT + ",".join([row] * rows)
    return text
