"""Matching articles per month, split by outlet: the data behind the date histogram.

Engines count facets but not facet *pairs*, so the month × outlet table is built
above the engine interface: one count-only query per charted outlet, plus the
month facet of the whole match set for everything else ("other outlets").
Like a facet, the timeline ignores the query's own month selection, so the
chart keeps showing the months around a selected one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from index.engine import UNKNOWN_MONTH, EngineQuery
from search.request import SearchQuery

OTHER_OUTLETS = "other outlets"
MAX_MONTH_BUCKETS = 120  # beyond ten years, monthly bars get too thin to click: count per year instead


@dataclass(frozen=True)
class Series:
    outlet: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Timeline:
    """Counts per bucket (``YYYY-MM`` or ``YYYY``) and outlet; ``undated`` matches have no bucket."""

    granularity: str  # "month" | "year"
    buckets: list[str]
    series: list[Series]
    undated: int = 0
    selected: list[str] = field(default_factory=list)  # month values selected as filters

    def totals(self) -> list[int]:
        return [sum(s.counts[i] for s in self.series) for i in range(len(self.buckets))]

    @property
    def peak(self) -> int:
        return max(self.totals(), default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "granularity": self.granularity,
            "buckets": [
                {
                    "bucket": b,
                    "since": bucket_range(b)[0].isoformat(),
                    "until": bucket_range(b)[1].isoformat(),
                    "total": t,
                }
                for b, t in zip(self.buckets, self.totals(), strict=True)
            ],
            "series": [{"outlet": s.outlet, "counts": s.counts, "total": s.total} for s in self.series],
            "undated": self.undated,
        }


def bucket_range(bucket: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY-MM`` or ``YYYY`` bucket (what clicking a bar narrows to)."""
    from search.query import parse_partial_date

    return parse_partial_date(bucket, end=False), parse_partial_date(bucket, end=True)


def _month_counts(service: Any, q: SearchQuery, filters: dict[str, tuple[str, ...]]) -> dict[str, int]:
    node = service.resolve(q.node())
    result = service.engine.search(EngineQuery(node=node, filters=filters, limit=0, facets=("month",)))
    return dict(result.facets.get("month", []))


def _month_span(months: list[str]) -> list[str]:
    """Every month from the first to the last, so gaps in coverage show as gaps."""
    if not months:
        return []
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def build_timeline(service: Any, q: SearchQuery, *, max_outlets: int = 6) -> Timeline:
    """The timeline of ``q``'s matches; raises :class:`search.query.QuerySyntaxError` like a search does.

    Charted outlets are the selected ones, else the ``max_outlets`` with most matches; the rest
    is summed into one "other outlets" series so the stacked bars always add up to the total.
    """
    filters = {f: tuple(service.resolve_value(f, v) for v in vs) for f, vs in q.filters.items()}
    filters.pop("month", None)
    overall = _month_counts(service, q, filters)
    node = service.resolve(q.node())
    outlet_counts = service.engine.search(EngineQuery(node=node, filters=filters, limit=0, facets=("outlet",)))
    ranked = [v for v, _ in outlet_counts.facets.get("outlet", [])]
    chosen = list(filters.get("outlet", ())) or ranked
    chosen = [o for o in chosen if o in ranked][:max_outlets]
    per_outlet = {o: _month_counts(service, q, {**filters, "outlet": (o,)}) for o in chosen}

    dated = [m for m, n in overall.items() if m != UNKNOWN_MONTH and n > 0]
    months = _month_span(dated)
    granularity = "month"
    if len(months) > MAX_MONTH_BUCKETS:
        granularity = "year"

    def key(month: str) -> str:
        return month[:4] if granularity == "year" else month

    buckets = sorted({key(m) for m in months}) if granularity == "year" else months
    if granularity == "year":
        first, last = int(buckets[0]), int(buckets[-1])
        buckets = [str(y) for y in range(first, last + 1)]
    index = {b: i for i, b in enumerate(buckets)}

    def spread(counts: dict[str, int]) -> list[int]:
        row = [0] * len(buckets)
        for month, n in counts.items():
            if month != UNKNOWN_MONTH and key(month) in index:
                row[index[key(month)]] += n
        return row

    series = [Series(o, spread(c)) for o, c in per_outlet.items()]
    rest = [t - sum(s.counts[i] for s in series) for i, t in enumerate(spread(overall))]
    if any(n > 0 for n in rest):
        series.append(Series(OTHER_OUTLETS, rest))
    return Timeline(
        granularity=granularity,
        buckets=buckets,
        series=[s for s in series if s.total > 0],
        undated=overall.get(UNKNOWN_MONTH, 0),
        selected=list(q.filters.get("month", ())),
    )
