"""Answering a :class:`SearchQuery`: engine hits joined with the store, highlighted, faceted, paged.

This is the library behind every front end.  The CLI, the web pages and the
JSON API all call :meth:`SearchService.search` and render its result; none of
them talks to an engine or the store directly.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from index.engine import Engine, EngineQuery
from newsdex.models import Article
from newsdex.store import DocumentStore
from search.highlight import Highlighter
from search.query import FACET_FIELDS, And, FacetValue, MatchAll, Node, Not, Or
from search.request import SearchQuery

_KNOWN_VALUES: weakref.WeakKeyDictionary[Engine, tuple[int, dict[str, dict[str, str]]]] = weakref.WeakKeyDictionary()
MAX_COMPARED = 3  # reports shown beside an article in the compare view
FACET_LABELS = {"outlet": "Outlet", "actor": "Actors", "location": "Locations", "month": "Month"}

Canonicaliser = Callable[[str, str], str | None]


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int
    selected: bool
    toggle: str  # query string of the same search with this value toggled

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected, "toggle": self.toggle}


@dataclass
class Hit:
    article: Article
    score: float
    title_html: str
    snippet_html: str

    def to_json(self) -> dict[str, Any]:
        a = self.article
        return {
            "id": a.id,
            "title": a.title,
            "title_html": self.title_html,
            "snippet_html": self.snippet_html,
            "outlet": a.outlet,
            "date": a.date.value.isoformat() if a.date.value else None,
            "date_provenance": a.date.provenance,
            "url": a.url,
            "actors": a.actors,
            "locations": a.locations,
            "score": round(self.score, 4),
        }


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
    took_ms: float
    engine: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))

    def to_json(self) -> dict[str, Any]:
        """The JSON shape shared by ``newsdex query --format json`` and ``/api/search``."""
        return {
            "total": self.total,
            "hits": [h.to_json() for h in self.hits],
            "facets": {f: [c.to_json() for c in counts] for f, counts in self.facets.items()},
            "page": self.query.page,
            "per_page": self.query.per_page,
            "pages": self.pages,
            "query": self.query.describe(),
            "engine": self.engine,
            "took_ms": round(self.took_ms, 2),
        }


@dataclass
class SearchService:
    """Searches one data directory: an engine for matching, the store for what is shown."""

    store: DocumentStore
    engine: Engine
    canonicalise: Canonicaliser | None = None  # (facet, typed value) → canonical value, e.g. ISIS → Islamic State
    facet_limit: int = 50

    def search(self, q: SearchQuery, *, facets: bool = True, highlight: bool = True) -> SearchResult:
        """Run ``q``; raises :class:`search.query.QuerySyntaxError` for a malformed query."""
        started = time.perf_counter()
        node = self.resolve(q.node())
        filters = {f: tuple(self.resolve_value(f, v) for v in values) for f, values in q.filters.items()}
        if isinstance(node, MatchAll) and q.sort == "relevance":
            sort = "newest"  # nothing to rank by: newest first is what a reader expects
        else:
            sort = q.sort
        result = self.engine.search(
            EngineQuery(
                node=node,
                filters=filters,
                sort=sort,
                offset=q.offset,
                limit=q.per_page,
                facets=FACET_FIELDS if facets else (),
                facet_limit=self.facet_limit,
            )
        )
        articles = self.store.get_many([doc_id for doc_id, _ in result.hits])
        title_hl = Highlighter(node, "title")
        body_hl = Highlighter(node, "body")
        hits = []
        for doc_id, score in result.hits:
            article = articles.get(doc_id)
            if article is None:  # the index is ahead of this reader's view of the store
                continue
            hits.append(
                Hit(
                    article=article,
                    score=score,
                    title_html=title_hl.mark(article.title) if highlight else "",
                    snippet_html=body_hl.snippet(article.text) if highlight else "",
                )
            )
        facet_counts = {}
        for facet, counts in result.facets.items():
            toggle = q.toggle_query_strings(facet)
            listed = [FacetCount(v, n, q.is_selected(facet, v), toggle(v)) for v, n in counts[: self.facet_limit]]
            # A selected value always shows, even when the current text query leaves it no match.
            shown = {c.value for c in listed}
            listed += [FacetCount(v, 0, True, toggle(v)) for v in q.filters.get(facet, ()) if v not in shown]
            facet_counts[facet] = listed
        return SearchResult(
            query=q,
            total=result.total,
            hits=hits,
            facets=facet_counts,
            took_ms=(time.perf_counter() - started) * 1000,
            engine=self.engine.name,
        )

    # -- fielded values: "outlet:rt" and "actor:ISIS" find "RT" and "Islamic State" --------
    def resolve(self, node: Node) -> Node:
        if isinstance(node, FacetValue):
            return FacetValue(node.field, self.resolve_value(node.field, node.value))
        if isinstance(node, And):
            return And(tuple(self.resolve(c) for c in node.children))
        if isinstance(node, Or):
            return Or(tuple(self.resolve(c) for c in node.children))
        if isinstance(node, Not):
            return Not(self.resolve(node.child))
        return node

    def resolve_value(self, facet: str, value: str) -> str:
        known = self.known_values(facet)
        if known.get(value.casefold()) == value:
            return value
        if self.canonicalise is not None and (canonical := self.canonicalise(facet, value)):
            return canonical
        return known.get(value.casefold(), value)

    def known_values(self, facet: str) -> dict[str, str]:
        """casefolded → stored value, for every value of ``facet`` in the index.

        Kept per engine (not per service: the web app makes a service per request) and read again
        only when the index size changes, because it costs a facet count over every document.
        """
        size = self.engine.doc_count()
        cached = _KNOWN_VALUES.get(self.engine)
        if cached is None or cached[0] != size:
            counts = self.engine.search(EngineQuery(node=MatchAll(), limit=0)).facets
            cached = (size, {f: {v.casefold(): v for v, _ in c} for f, c in counts.items()})
            _KNOWN_VALUES[self.engine] = cached
        return cached[1].get(facet, {})

    # -- articles -------------------------------------------------------------------------
    def article(self, article_id: str) -> Article | None:
        article = self.store.get(article_id)
        if article is None and len(article_id) >= 4:
            matches = self.store.find_prefix(article_id, limit=2)
            if len(matches) == 1:
                article = self.store.get(matches[0])
        return article

    def others_reporting(self, article: Article, *, days: int = 7, limit: int = 5) -> list[tuple[Article, float]]:
        """The most similar articles from other outlets within ``days`` of this one ("how others reported it")."""
        candidates = self.engine.similar(f"{article.title}\n{article.text}", limit=limit * 8, exclude=[article.id])
        found = self.store.get_many([doc_id for doc_id, _ in candidates])
        chosen: list[tuple[Article, float]] = []
        for doc_id, score in candidates:
            other = found.get(doc_id)
            if other is None or (article.outlet and other.outlet == article.outlet):
                continue
            if article.date.value and other.date.value and abs((other.date.value - article.date.value).days) > days:
                continue
            chosen.append((other, score))
            if len(chosen) == limit:
                break
        return chosen

    def compare_columns(
        self, article: Article, chosen: Sequence[str], *, days: int = 7, limit: int = MAX_COMPARED
    ) -> tuple[list[tuple[Article, float]], list[tuple[Article, float | None]]]:
        """(the closest other reports, the columns to show beside ``article``).

        The columns are the ``chosen`` ids when the reader picked some, else the closest reports.
        """
        others = self.others_reporting(article, days=days)
        picked = [i for i in chosen if i and i != article.id][:limit]
        if not picked:
            return others, list(others[:limit])
        fetched = self.store.get_many(picked)
        scores = {o.id: score for o, score in others}
        return others, [(fetched[i], scores.get(i)) for i in picked if i in fetched]


def date_label(value: dt.date | None, provenance: str) -> str:
    """How a date reads to a person: the day, flagged when it is inferred or unknown."""
    if value is None:
        return "date unknown"
    return value.isoformat() + (" (inferred)" if provenance == "inferred" else "")
