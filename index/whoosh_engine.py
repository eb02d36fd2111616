"""The Whoosh engine: pure Python, the default.

Two things make it fast enough for real archives where plain Whoosh is not:
facet counts come from per-document value columns cached once per index
generation (instead of ``groupedby``, which re-reads every match's values for
each facet), and highlighting happens above the engine, on the page's hits only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from threading import Lock

from whoosh import fields, index, query, sorting
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.columns import VarBytesColumn
from whoosh.searching import Searcher

from index.analysis import TOKEN_PATTERN, analyse, stem
from index.engine import Engine, EngineQuery, EngineResult, IndexDoc, IndexWriter, sort_facet_counts
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

VALUE_SEP = "\x1f"
FACET_SEP = "\x1e"
FACET_ORDER = ("outlet", "actor", "location", "month")
_TEXT_FIELDS = ("title", "body")


def build_schema() -> fields.Schema:
    text = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | StemFilter(lang="en", cachesize=100_000)
    whole_values = RegexTokenizer(f"[^{VALUE_SEP}]+")  # one term per actor/location, spaces kept
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text, phrase=True, field_boost=2.0),
        body=fields.TEXT(analyzer=text, phrase=True),
        outlet=fields.ID(),
        actor=fields.TEXT(analyzer=whole_values, phrase=False),
        location=fields.TEXT(analyzer=whole_values, phrase=False),
        month=fields.ID(),
        date=fields.DATETIME(sortable=True),
        dated=fields.NUMERIC(sortable=True),  # sorts undated articles last in both directions
        facets=fields.COLUMN(VarBytesColumn()),
    )


def _pack_facets(doc: IndexDoc) -> bytes:
    return FACET_SEP.join(VALUE_SEP.join(doc.facet_values(f)) for f in FACET_ORDER).encode("utf-8")


def _doc_fields(doc: IndexDoc) -> dict[str, object]:
    values: dict[str, object] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "month": doc.month,
        "facets": _pack_facets(doc),
        "dated": 1 if doc.date else 0,
    }
    if doc.outlet:
        values["outlet"] = doc.outlet
    if doc.actors:
        values["actor"] = VALUE_SEP.join(doc.actors)
    if doc.locations:
        values["location"] = VALUE_SEP.join(doc.locations)
    if doc.date:
        values["date"] = dt.datetime.combine(doc.date, dt.time())
    return values


# -- query translation -------------------------------------------------------------
def _text_fields(field: str | None) -> tuple[str, ...]:
    return _TEXT_FIELDS if field is None else (field,)


def to_whoosh(node: Node) -> query.Query:
    """Translate newsdex's query tree into Whoosh query objects (terms already stemmed)."""
    if isinstance(node, MatchAll):
        return query.Every()
    if isinstance(node, Term):
        if node.prefix:
            parts = [query.Prefix(f, node.text) for f in _text_fields(node.field)]
        else:
            parts = [query.Term(f, stem(node.text)) for f in _text_fields(node.field)]
        return parts[0] if len(parts) == 1 else query.Or(parts)
    if isinstance(node, Phrase):
        words = [stem(w) for w in node.words]
        parts = [query.Phrase(f, words) for f in _text_fields(node.field)]
        return parts[0] if len(parts) == 1 else query.Or(parts)
    if isinstance(node, FacetValue):
        return query.Term(node.field, node.value)
    if isinstance(node, DateRange):
        start = dt.datetime.combine(node.start, dt.time()) if node.start else None
        end = dt.datetime.combine(node.end, dt.time(23, 59, 59)) if node.end else None
        return query.DateRange("date", start, end)
    if isinstance(node, And):
        children = [to_whoosh(c) for c in node.children]
        if all(isinstance(c, Not) for c in node.children):
            children.insert(0, query.Every())
        return query.And(children)
    if isinstance(node, Or):
        return query.Or([to_whoosh(c) for c in node.children])
    if isinstance(node, Not):
        return query.And([query.Every(), query.Not(to_whoosh(node.child))])
    raise TypeError(f"cannot translate {node!r}")


# -- facet columns -------------------------------------------------------------------
class FacetColumns:
    """Every document's facet values as small integer codes, read once per index generation."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.values: dict[str, list[str]] = {f: [] for f in FACET_ORDER}
        codes: dict[str, dict[str, int]] = {f: {} for f in FACET_ORDER}
        self.columns: dict[str, list[tuple[int, ...]]] = {f: [] for f in FACET_ORDER}
        column = reader.column_reader("facets") if reader.has_column("facets") else None
        for docnum in range(reader.doc_count_all()):
            raw = column[docnum] if column is not None else b""
            parts = raw.decode("utf-8").split(FACET_SEP) if raw else [""] * len(FACET_ORDER)
            for facet, part in zip(FACET_ORDER, parts, strict=True):
                table = codes[facet]
                row = []
                for value in part.split(VALUE_SEP) if part else ():
                    code = table.get(value)
                    if code is None:
                        code = table[value] = len(self.values[facet])
                        self.values[facet].append(value)
                    row.append(code)
                self.columns[facet].append(tuple(row))
        self.codes = codes

    def count(self, facet: str, docnums: Iterable[int]) -> list[tuple[str, int]]:
        column = self.columns[facet]
        counter: Counter[int] = Counter()
        for docnum in docnums:
            counter.update(column[docnum])
        names = self.values[facet]
        return sort_facet_counts({names[c]: n for c, n in counter.items()})

    def matches(self, facet: str, docnum: int, wanted: frozenset[int]) -> bool:
        return not wanted.isdisjoint(self.columns[facet][docnum])


# -- the engine ---------------------------------------------------------------------------
class WhooshWriter(IndexWriter):
    def __init__(self, ix: index.Index, *, fresh: bool) -> None:
        self._writer = ix.writer(limitmb=256)
        self._fresh = fresh

    def add(self, doc: IndexDoc) -> None:
        values = _doc_fields(doc)
        if self._fresh:
            self._writer.add_document(**values)
        else:
            self._writer.update_document(**values)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()


class WhooshEngine(Engine):
    name = "whoosh"

    def __init__(self, path: Path, ix: index.Index) -> None:
        super().__init__(path)
        self._ix = ix
        self._lock = Lock()
        self._searcher: Searcher | None = None
        self._columns: FacetColumns | None = None

    @classmethod
    def create(cls, path: Path) -> WhooshEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(path, index.create_in(str(path), build_schema()))

    @classmethod
    def open(cls, path: Path) -> WhooshEngine:
        if not index.exists_in(str(path)):
            raise FileNotFoundError(f"no Whoosh index in {path}")
        return cls(path, index.open_dir(str(path)))

    def writer(self, *, fresh: bool = False) -> WhooshWriter:
        return WhooshWriter(self._ix, fresh=fresh)

    def _current(self) -> tuple[Searcher, FacetColumns]:
        """The searcher and facet columns of the latest commit, reopened only when it changes."""
        with self._lock:
            if self._searcher is None or not self._searcher.up_to_date():
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = self._ix.searcher()
                self._columns = FacetColumns(self._searcher)
            assert self._columns is not None
            return self._searcher, self._columns

    def doc_count(self) -> int:
        return self._ix.doc_count()

    def search(self, q: EngineQuery) -> EngineResult:
        searcher, columns = self._current()
        base = to_whoosh(q.node)
        wanted = {
            facet: frozenset(columns.codes[facet].get(v, -1) for v in values)
            for facet, values in q.filters.items()
            if values
        }
        base_docs = list(searcher.docs_for_query(base)) if (wanted or q.facets) else None
        if wanted:
            assert base_docs is not None
            matched = [d for d in base_docs if all(columns.matches(f, d, w) for f, w in wanted.items())]
            total = len(matched)
        else:
            matched = base_docs
            total = len(base_docs) if base_docs is not None else len(searcher.search(base, limit=1))

        facets: dict[str, list[tuple[str, int]]] = {}
        for facet in q.facets:
            others = {f: w for f, w in wanted.items() if f != facet}
            if facet in wanted and base_docs is not None:
                docs: Iterable[int] = (d for d in base_docs if all(columns.matches(f, d, w) for f, w in others.items()))
            else:
                docs = matched or ()
            facets[facet] = columns.count(facet, docs)

        hits: list[tuple[str, float]] = []
        if q.limit > 0 and total > 0:
            sortedby = None
            if q.sort != "relevance":
                sortedby = sorting.MultiFacet(
                    [sorting.FieldFacet("dated", reverse=True), sorting.FieldFacet("date", reverse=q.sort == "newest")]
                )
            results = searcher.search(
                base,
                limit=q.offset + q.limit,
                filter=set(matched) if wanted else None,
                sortedby=sortedby,
            )
            scored = q.sort == "relevance"  # sorted hits carry their sort key as "score"
            for hit in results[q.offset : q.offset + q.limit]:
                hits.append((hit["id"], float(hit.score or 0.0) if scored else 0.0))
        return EngineResult(total=total, hits=hits, facets=facets)

    def similar(self, text: str, *, limit: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        searcher, _ = self._current()
        terms = Counter(t for t in analyse(text) if len(t) > 2)
        if not terms:
            return []
        reader = searcher.reader()
        n_docs = max(reader.doc_count(), 1)
        weighted = []
        for term, tf in terms.items():
            df = reader.doc_frequency("body", term)
            if df:
                weighted.append((tf * math.log(1 + n_docs / df), term))
        weighted.sort(reverse=True)
        q = query.Or([query.Term("body", t, boost=float(w)) for w, t in weighted[:25]])
        skip = set(exclude)
        found = []
        for hit in searcher.search(q, limit=limit + len(skip)):
            if hit["id"] not in skip:
                found.append((hit["id"], float(hit.score or 0.0)))
        return found[:limit]

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
                self._columns = None
        self._ix.close()
