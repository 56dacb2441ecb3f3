"""The common rows of a large import, checked and written a column at a time.

Most rows of a large file of figures are alike: a known indicator whose plain whole numbers need no check, a
known region, a period and a 录入时间 seen before, a count in digits, a key not yet stored. A block of such
rows is checked with a few passes over its columns (its cells looked up in dicts of the cells already found
good, only its new distinct cells checked; ``map`` over its cells) instead of a Python loop over its rows, and
kept as one integer a row: indicator, region and period packed in the order SQLite keeps them, then the number
of the row's 录入时间 and the figure itself (at most 15 digits, so below 2 ** 50; the column is REAL and SQLite
stores the whole number exactly as it would the digits typed). Sorted, the integers give the rows in key order,
which shows at once whether two rows share a key, and inserts them where SQLite appends to its B-tree.

A block with anything else (a blank row, a code first seen wrong, a figure to check, a key stored or repeated
within it) returns False and is checked row by row (observations.py).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from itertools import chain, islice, repeat
from operator import add, and_, lt, rshift, xor

from ..store.catalog import Catalog
from ..store.db import execute_overlapped
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
    (indicator, region, period, value, revision, recorded_at, source, note, None). Beside them, the packed part
    of each cell already found good, by column (periods by frequency), and the packed keys of the figures stored
    for the indicators met."""

    def __init__(self, keys: Keys):
        self.keys = keys
        self.packed: list[int] = []
        self.rows: list[tuple] = []
        self.indicators: dict = {}     # cell -> packed part
        self.kinds: dict[int, object] = {}   # an indicator's packed part -> the Indicator (its frequency)
        self.regions: dict = {}
        self.periods: dict[str, dict] = {}   # frequency -> cell -> packed part
        self.times: dict = {}
        self.newest: dict[int, str] = {}     # an indicator's packed part -> the latest period of its stored figures
        self.stored: set[int] = set()        # the packed keys of the stored figures of the indicators read
        self.read: set[int] = set()          # the indicators whose stored figures are in self.stored

    def __len__(self) -> int:
        return len(self.packed) + len(self.rows)


def block(columns: list[list], numbers, ix: dict, look, found: Validated) -> bool:
    """Check a block of rows a column at a time and keep them; False (nothing kept) unless every row is common."""
    values = columns[ix["value"]]
    if look.columns_to_check or not values or not all(values) or not _digits(values):
        return False
    indicators = _parts(found.indicators, columns[ix["indicator"]], lambda raw: _indicator(raw, look, found))
    one = _one_kind(found, indicators) if indicators is not None else None
    if one is None:
        return False
    keys = found.keys
    regions = _parts(found.regions, columns[ix["region"]], lambda raw: _code(look.quiet_region(raw), keys.regions))
    periods = _parts(found.periods.setdefault(one.frequency, {}), columns[ix["period"]],
                     lambda raw: _known(look.quiet_period(raw, one), keys.period))
    times = _times(columns[ix["recorded_at"]] if ix["recorded_at"] is not None else None, look, found)
    if regions is None or periods is None or times is None:
        return False
    rows = map(add, map(add, indicators, regions), periods)
    if found.newest and not _after_stored(found, look, indicators, periods):
        rows = list(rows)
        if not found.stored.isdisjoint(rows):
            return False
    figures = map(int, values)
    if isinstance(times, list):
        figures = map(add, times, figures)
    elif times:
        figures = map(add, repeat(times), figures)
    found.packed.extend(map(add, rows, figures))
    look.fast_added += len(values)
    return True


def _times(column: list | None, look, found: Validated) -> int | list[int] | None:
    """The packed 录入时间 of the block's rows: one number when they all have the same (the import's own when
    the table has none), else each row's; None when one is not good."""
    keys = found.keys
    if column is None:
        return keys.time(look.now)
    same = column.count(column[0]) == len(column)
    parts = _parts(found.times, column[:1] if same else column, lambda raw: _known(look.quiet_moment(raw), keys.time))
    return parts[0] if same and parts is not None else parts


def _digits(values: list) -> bool:
    """Every cell is text of 1 to MAX_DIGITS ASCII digits (the caller checked none is empty)."""
    try:
        digits = "".join(values)
    except TypeError:   # a number or a date from a workbook
        return False
    return digits.isascii() and digits.isdigit() and max(map(len, values)) <= cells.MAX_DIGITS


def _parts(known: dict, column: list, part) -> list[int] | None:
    """The packed part of each cell of a column: ``known`` holds those of the cells met before; the column's new
    distinct cells are found by ``part`` (None when one is not good: the block is then checked row by row, which
    says what is wrong with it) and kept."""
    try:
        return list(map(known.__getitem__, column))
    except KeyError:
        pass
    for raw in set(column).difference(known):
        found = part(raw)
        if found is None:
            return None
        known[raw] = found
    return list(map(known.__getitem__, column))


def _known(value, number) -> int | None:
    return None if value is None else number(value)


def _code(found, parts: dict) -> int | None:
    return None if found is None else parts[found.code]


def _indicator(raw: object, look, found: Validated) -> int | None:
    """An indicator's packed part, when its plain whole numbers need no check (the latest period of its stored
    figures, if it has any, in found.newest)."""
    indicator = look.quiet_indicator(raw)
    if indicator is None:
        return None
    base = found.keys.indicators[indicator.code]
    if base not in found.kinds:
        found.kinds[base] = indicator
        newest = look.newest(indicator.code)
        if newest:
            found.newest[base] = max(newest.values())
    return base


def _after_stored(found: Validated, look, indicators: list[int], periods: list[int]) -> bool:
    """Whether the block's periods all come after every stored figure of its indicators, so that none of its
    keys is stored (a file of the next week's figures); if not, the stored figures' keys of its indicators are
    read into found.stored (each stored period numbered, as a common row's is) to be checked."""
    held = [base for base in set(indicators) if base in found.newest]
    keys = found.keys
    if not held or min(keys.period_keys[p >> keys.low] for p in set(periods)) > max(map(found.newest.get, held)):
        return True
    for base in set(held) - found.read:
        found.read.add(base)
        found.stored.update(base + keys.regions[region] + keys.period(period)
                            for region, period in look.stored(found.kinds[base].code) if region in keys.regions)
    return False


def _one_kind(found: Validated, indicators: list[int]):
    """An indicator of the block, when all of the block's count in one frequency (their periods read alike)."""
    kinds = found.kinds
    if len({i.frequency for i in kinds.values()}) > 1:
        block = [kinds[i] for i in set(indicators)]
        return block[0] if len({i.frequency for i in block}) == 1 else None
    return kinds[indicators[0]]


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
    录入时间, bound once, and each row binds its region, period and figure (an integer). The statements are made
    on another thread while SQLite writes the one before (store.db.execute_overlapped: 1M rows, 0.88 -> 0.77 s
    on two free cores)."""
    execute_overlapped(conn, _statements(conn, found, batch))


def _statements(conn: sqlite3.Connection, found: Validated, batch: int):
    """(SQL, parameters) of each statement, in key order."""
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
            yield _insert(keys, packed[piece], keys.indicator_codes[rank], batch)
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


def _insert(keys: Keys, part: list[int], indicator: str, batch: int) -> tuple[str, list]:
    """The statement for rows of one indicator: their 录入时间 bound once when they share it."""
    low, mask = keys.low, keys.max_times - 1
    head: list = [indicator, batch]
    times = {x >> _FIGURE & mask for x in part} if len(keys.time_keys) > 1 else {0}
    columns = [_regions(keys, part),
               map(keys.period_keys.__getitem__, map(and_, map(rshift, part, repeat(low)), repeat(_LOW))),
               map(and_, part, repeat((1 << _FIGURE) - 1))]
    if len(times) == 1:
        head.append(keys.time_keys[times.pop()])
    else:
        columns.insert(0, map(keys.time_keys.__getitem__, map(and_, map(rshift, part, repeat(_FIGURE)), repeat(mask))))
    width = len(columns)
    params = head + [None] * (width * len(part))
    for k, column in enumerate(columns):
        params[len(head) + k::width] = column
    return _statement(len(part), width == 3), params


def _regions(keys: Keys, part: list[int]):
    """The region of each row: a run of rows of one region (a series, in key order) as that code repeated,
    found by bisection, when the rows have runs of 8 or more on average; else each row's own."""
    shift = _BITS + keys.low
    first, last = part[0] >> shift, part[-1] >> shift
    if 8 * (last - first + 1) > len(part):
        return map(keys.region_codes.__getitem__, map(and_, map(rshift, part, repeat(shift)), repeat(_LOW)))
    runs, i = [], 0
    while i < len(part):
        code = part[i] >> shift
        end = bisect_left(part, (code + 1) << shift, i)
        runs.append(repeat(keys.region_codes[code & _LOW], end - i))
        i = end
    return chain.from_iterable(runs)


_STATEMENTS: dict[tuple[int, bool], str] = {}


def _statement(rows: int, shared_time: bool) -> str:
    """INSERT of ``rows`` rows, each (?1 indicator, ?2 batch, revision 1, ?3 or its own 录入时间, its region,
    period and figure); a plain ? is numbered one past the highest number used before it."""
    text = _STATEMENTS.get((rows, shared_time))
    if text is None:
        row = "(?1, ?2, 1, ?3, ?, ?, ?)" if shared_time else "(?1, ?2, 1, ?, ?, ?, ?)"
        text = _STATEMENTS[rows, shared_time] = _INSERT + ",".join([row] * rows)
    return text
