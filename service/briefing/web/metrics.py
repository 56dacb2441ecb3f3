"""An indicator's figures over time for a region, for the metrics page (drawn as an SVG line there) and the API."""

from __future__ import annotations

from ..figures.phrasing import figure
from ..store.catalog import Catalog
from ..store.db import Store
from ..store.observations import Observations


def indicators(store: Store) -> list[dict]:
    catalog = Catalog.load(store.db)
    return [{"code": i.code, "name": i.name, "unit": i.unit, "frequency": i.frequency,
             "domain": i.domain} for i in catalog.indicators.values()]


def series(store: Store, indicator: str, region: str | None, last: int = 24) -> dict:
    """The latest ``last`` figures of an indicator for a region (the top one when none is named), own or rolled
    up from the regions below, oldest first, with each value as a briefing writes it."""
    catalog = Catalog.load(store.db)
    ind = catalog.indicator(indicator)
    place = catalog.region(region) if region else catalog.top()
    found = Observations(store.db, catalog).series(ind.code, place.code)[-last:]
    return {"indicator": ind.code, "name": ind.name, "unit": ind.unit, "region": place.code,
            "region_name": place.name,
            "points": [{"period": f.period.key, "label": f.period.label().split("（")[0], "value": float(f.value),
                        "text": figure(f.value, ind.measure), "partial": f.partial} for f in found]}


def svg(series: dict, width: int = 720, height: int = 260) -> str:
    """The figures as a line over the periods, an SVG the page shows as it is (no script): the latest value and
    the highest marked, the axis from zero."""
    from html import escape

    points = series["points"]
    if not points:
        return ""
    pad_l, pad_r, pad_t, pad_b = 40, 40, 24, 36
    top = max(p["value"] for p in points) or 1.0
    low = min(0.0, min(p["value"] for p in points))
    step = (width - pad_l - pad_r) / max(1, len(points) - 1)

    def at(i: int, value: float) -> tuple[float, float]:
        return pad_l + i * step, pad_t + (height - pad_t - pad_b) * (1 - (value - low) / ((top - low) or 1.0))

    xy = [at(i, p["value"]) for i, p in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(p["label"])}：{escape(p["text"])}'
                    f'</title></circle>' for (x, y), p in zip(xy, points))
    every = max(1, len(points) // 6)
    labels = "".join(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{escape(p["period"])}</text>'
                     for i, ((x, _y), p) in enumerate(zip(xy, points))
                     if (i % every == 0 and len(points) - 1 - i >= every / 2) or i == len(points) - 1)
    last_x, last_y = xy[-1]
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(series["name"])}">'
            f'<line x1="{pad_l}" y1="{at(0, 0)[1]:.1f}" x2="{width - pad_r}" y2="{at(0, 0)[1]:.1f}" class="axis"/>'
            f'<polyline points="{line}" class="line"/>{marks}{labels}'
            f'<text x="{last_x:.1f}" y="{last_y - 8:.1f}" text-anchor="end" class="last">'
            f'{escape(points[-1]["text"])}</text></svg>')
