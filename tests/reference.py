"""A brute-force reference engine: the answers every real engine must give.

It evaluates newsdex's query tree document by document with the shared
analysis rules, so contract tests can compare an engine's totals and facet
counts with what is true, not with another engine's opinion.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from index.analysis import analyse
from index.engine import EngineQuery, EngineResult, IndexDoc, sort_facet_counts
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term


def _fields(doc: IndexDoc, field: str | None) -> list[list[str]]:
    texts = {"title": doc.title, "body": doc.body}
    names = ("title", "body") if field is None else (field,)
    return [analyse(texts[n]) for n in names]


def _has_phrase(terms: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(terms[i : i + n] == phrase for i in range(len(terms) - n + 1))


def matches(node: Node, doc: IndexDoc) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Term):
        if node.prefix:
            return any(any(t.startswith(node.text) for t in terms) for terms in _fields(doc, node.field))
        return any(analyse(node.text)[0] in terms for terms in _fields(doc, node.field))
    if isinstance(node, Phrase):
        phrase = [analyse(w)[0] for w in node.words]
        return any(_has_phrase(terms, phrase) for terms in _fields(doc, node.field))
    if isinstance(node, FacetValue):
        return node.value in doc.facet_values(node.field)
    if isinstance(node, DateRange):
        if doc.date is None:
            return False
        return (node.start is None or doc.date >= node.start) and (node.end is None or doc.date <= node.end)
    if isinstance(node, And):
        return all(matches(c, doc) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, doc) for c in node.children)
    if isinstance(node, Not):
        return not matches(node.child, doc)
    raise TypeError(node)


def search(docs: list[IndexDoc], q: EngineQuery) -> EngineResult:
    def passes(doc: IndexDoc, skip: str | None = None) -> bool:
        return all(
            not set(values).isdisjoint(doc.facet_values(f)) for f, values in q.filters.items() if f != skip and values
        )

    base = [d for d in docs if matches(q.node, d)]
    matched = [d for d in base if passes(d)]
    facets = {}
    for facet in q.facets:
        counts: Counter[str] = Counter()
        for d in base:
            if passes(d, skip=facet):
                counts.update(d.facet_values(facet))
        facets[facet] = sort_facet_counts(counts, q.facet_limit)
    if q.sort == "relevance":
        ordered = matched
    else:
        newest = q.sort == "newest"
        dated = sorted((d for d in matched if d.date), key=lambda d: d.date or dt.date.min, reverse=newest)
        ordered = dated + [d for d in matched if not d.date]
    hits = [(d.id, 0.0) for d in ordered[q.offset : q.offset + q.limit]]
    return EngineResult(total=len(matched), hits=hits, facets=facets)
