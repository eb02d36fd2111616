"""Plain Whoosh, used the way its documentation shows: the yardstick newsdex is measured against.

Default analyzers, stored text, ``groupedby`` facet counts and the default
highlighter that re-analyses each hit's stored text.  Queries are newsdex's own
parsed tree translated with this schema's analyzers, so both sides answer the
same questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import fields, index, query, sorting
from whoosh.searching import Searcher

from index.engine import IndexDoc
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

FACETS = ("outlet", "month", "actor", "location")


def baseline_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True),
        body=fields.TEXT(stored=True),
        outlet=fields.ID(stored=True),
        month=fields.ID(stored=True),
        actor=fields.KEYWORD(stored=True, commas=True),
        location=fields.KEYWORD(stored=True, commas=True),
        date=fields.DATETIME(stored=True),
    )


def build(path: Path, docs: Iterable[IndexDoc]) -> int:
    """Index ``docs`` with one default writer and one commit."""
    path.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(path), baseline_schema())
    writer = ix.writer()
    count = 0
    for doc in docs:
        values: dict[str, Any] = {"id": doc.id, "title": doc.title, "body": doc.body, "month": doc.month}
        if doc.outlet:
            values["outlet"] = doc.outlet
        if doc.actors:
            values["actor"] = ",".join(a.replace(",", " ") for a in doc.actors)
        if doc.locations:
            values["location"] = ",".join(loc.replace(",", " ") for loc in doc.locations)
        if doc.date:
            values["date"] = dt.datetime.combine(doc.date, dt.time())
        writer.add_document(**values)
        count += 1
    writer.commit()
    ix.close()
    return count


class Baseline:
    """A searcher over a plain Whoosh index answering the benchmark's three query modes."""

    def __init__(self, path: Path) -> None:
        self.ix = index.open_dir(str(path))
        self.searcher: Searcher = self.ix.searcher()
        self.schema = self.ix.schema

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    def _words(self, field: str, text: str) -> list[str]:
        return list(self.schema[field].process_text(text, mode="query"))

    def translate(self, node: Node) -> query.Query:
        if isinstance(node, MatchAll):
            return query.Every()
        if isinstance(node, Term | Phrase):
            names = ("title", "body") if node.field is None else (node.field,)
            parts: list[query.Query] = []
            for name in names:
                if isinstance(node, Term) and node.prefix:
                    parts.append(query.Prefix(name, node.text))
                elif isinstance(node, Term):
                    words = self._words(name, node.text)
                    parts.append(query.Term(name, words[0]) if words else query.NullQuery)
                else:
                    words = [w for word in node.words for w in self._words(name, word)]
                    parts.append(query.Phrase(name, words) if words else query.NullQuery)
            return parts[0] if len(parts) == 1 else query.Or(parts)
        if isinstance(node, FacetValue):
            return query.Term(node.field, node.value)
        if isinstance(node, DateRange):
            start = dt.datetime.combine(node.start, dt.time()) if node.start else None
            end = dt.datetime.combine(node.end, dt.time(23, 59, 59)) if node.end else None
            return query.DateRange("date", start, end)
        if isinstance(node, And):
            children = [self.translate(c) for c in node.children]
            if all(isinstance(c, Not) for c in node.children):
                children.insert(0, query.Every())
            return query.And(children)
        if isinstance(node, Or):
            return query.Or([self.translate(c) for c in node.children])
        if isinstance(node, Not):
            return query.And([query.Every(), query.Not(self.translate(node.child))])
        raise TypeError(node)

    def search(self, node: Node, *, facets: bool, highlight: bool) -> dict[str, Any]:
        q = self.translate(node)
        groupedby = None
        if facets:
            groupedby = {
                "outlet": sorting.FieldFacet("outlet", maptype=sorting.Count),
                "month": sorting.FieldFacet("month", maptype=sorting.Count),
                "actor": sorting.FieldFacet("actor", allow_overlap=True, maptype=sorting.Count),
                "location": sorting.FieldFacet("location", allow_overlap=True, maptype=sorting.Count),
            }
        results = self.searcher.search(q, limit=10, groupedby=groupedby)
        hits = []
        for hit in results:
            entry = {"id": hit["id"], "title": hit["title"]}
            if highlight:
                entry["title_html"] = hit.highlights("title") or hit["title"]
                entry["snippet_html"] = hit.highlights("body")
            hits.append(entry)
        counts = {f: sorted(results.groups(f).items(), key=lambda kv: -kv[1])[:50] for f in FACETS} if facets else {}
        return {"total": len(results), "hits": hits, "facets": counts}
