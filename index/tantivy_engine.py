"""The tantivy engine: the same answers as Whoosh, from a Rust index.

Three choices keep it exactly in step with the shared analysis and the reference engine:

* Text is analysed in Python by :mod:`index.analysis` and handed to tantivy as space-joined terms
  (its ``whitespace`` tokenizer then only splits them).  tantivy's stemmer is the same Snowball
  English, but its ``\\w`` is not Python's: it splits "3½", keeps combining accents and joiners
  inside words, so a native analyzer would find different documents than Whoosh, the highlighter
  and the reference.
* Facets are raw fast fields counted with terms aggregations, which are exact when every bucket
  fits; when a result has more distinct values than tantivy's bucket limit, the count is split over
  slices of the index (a hashed ``slice`` field) and summed, so it stays exact at any cardinality.
* Dates are integer day numbers; two precomputed sort keys put undated articles last both ways.

User text never reaches tantivy's query parser: the query tree is translated into query objects.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from operator import itemgetter
from pathlib import Path
from threading import Lock
from typing import Any

import tantivy
from tantivy import Occur, Query

from index.analysis import TOKEN_PATTERN, analyse, stem
from index.engine import Engine, EngineQuery, EngineResult, IndexDoc, IndexWriter, sort_facet_counts
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

FACET_FIELDS = ("outlet", "actor", "location", "month")
_TEXT_FIELDS = ("title", "body")
TITLE_BOOST = 2.0  # Whoosh's field_boost on title, applied at query time (tantivy has no index-time boost)
TERMS_TOKENIZER = "whitespace"  # built into tantivy; splits the pre-analysed terms and nothing else
SLICES = 1024  # ``slice`` values: how finely a facet count can be split when it exceeds the bucket limit
MAX_BUCKETS = 65_000  # tantivy's default aggregation bucket limit
TOP_MARGIN = 20  # extra buckets asked for with a facet limit, to see past ties at the cut
UNDATED = -(2**62)  # sort key of undated articles: below every real day in both orders
WRITER_HEAP = 256_000_000
STEM_CACHE_LIMIT = 500_000  # words whose stems a writer or worker keeps (bounded memory on huge rebuilds)
PARALLEL_AFTER = 2_000  # documents a fresh writer analyses itself before it starts worker processes
ANALYSIS_WORKERS = max(1, min(4, os.cpu_count() or 1))


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name=TERMS_TOKENIZER)
    builder.add_text_field("body", tokenizer_name=TERMS_TOKENIZER)
    for facet in FACET_FIELDS:
        builder.add_text_field(facet, fast=True, tokenizer_name="raw")
    builder.add_integer_field("date", indexed=True, fast=True)  # proleptic ordinal day; absent when undated
    builder.add_integer_field("newest", fast=True)  # day, or UNDATED; sorted descending
    builder.add_integer_field("oldest", fast=True)  # minus the day, or UNDATED; sorted descending
    builder.add_integer_field("slice", indexed=True, fast=True)  # stable hash of the id, for split counts
    return builder.build()


# -- analysis ---------------------------------------------------------------------------
_WORD_RE = re.compile(TOKEN_PATTERN)
_ASCII_WORD_RE = re.compile(TOKEN_PATTERN, re.ASCII)


class _StemCache(dict[str, str]):
    """word → stem of the lowercased word; a plain dict so lookups stay in C while indexing."""

    def __missing__(self, word: str) -> str:
        term = self[word] = stem(word.lower())
        return term


def analysed(text: str, cache: _StemCache) -> str:
    """``analyse(text)`` as space-separated terms, for tantivy's whitespace tokenizer.

    ASCII text may be lowercased before splitting (that changes neither the words nor their
    boundaries), which is much faster; other text is split first, exactly as ``analyse`` does.
    """
    if text.isascii():
        words = _ASCII_WORD_RE.findall(text.lower())
    else:
        words = _WORD_RE.findall(text)
    return " ".join(map(cache.__getitem__, words))


def _unique(values: Iterable[str]) -> list[str]:
    """Each value once (in order), so a multi-valued facet counts a document once per value."""
    return list(dict.fromkeys(v for v in values if v))


def _slice_of(doc_id: str) -> int:
    return zlib.crc32(doc_id.encode("utf-8")) % SLICES


_worker_stems = _StemCache()


def _analyse_batch(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(title, body) pairs analysed in a worker process (see ``TantivyWriter.add_many``)."""
    if len(_worker_stems) > STEM_CACHE_LIMIT:
        _worker_stems.clear()
    return [(analysed(title, _worker_stems), analysed(body, _worker_stems)) for title, body in texts]


def _document(doc: IndexDoc, title_terms: str, body_terms: str) -> tantivy.Document:
    d = tantivy.Document()
    d.add_text("id", doc.id)
    d.add_text("title", title_terms)
    d.add_text("body", body_terms)
    if doc.outlet:
        d.add_text("outlet", doc.outlet)
    for actor in _unique(doc.actors):
        d.add_text("actor", actor)
    for location in _unique(doc.locations):
        d.add_text("location", location)
    d.add_text("month", doc.month)
    if doc.date:
        day = doc.date.toordinal()
        d.add_integer("date", day)
        d.add_integer("newest", day)
        d.add_integer("oldest", -day)
    else:
        d.add_integer("newest", UNDATED)
        d.add_integer("oldest", UNDATED)
    d.add_integer("slice", _slice_of(doc.id))
    return d


def _terms(
    searcher: tantivy.Searcher, query: Query, facet_names: Sequence[str], *, order: str, size: int
) -> dict[str, Any] | None:
    """One terms aggregation per facet (every segment counting all its values); None over the bucket limit."""
    direction = "desc" if order == "_count" else "asc"
    spec = {"size": size, "segment_size": MAX_BUCKETS, "order": {order: direction}}
    try:
        return searcher.aggregate(query, {f: {"terms": {"field": f, **spec}} for f in facet_names})
    except ValueError as exc:
        if "limit was exceeded" not in str(exc):
            raise
        return None


def _most_frequent_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    """:func:`sort_facet_counts` for counts already in value order (as the aggregations return them).

    A stable sort by count alone then leaves ties in value order, as ``sort_facet_counts`` does, at a
    third of the cost on 30,000 actor values.  tantivy orders keys by UTF-8 bytes, which is the
    code point order of Python strings.
    """
    return sorted(((v, n) for v, n in counts.items() if n > 0), key=itemgetter(1), reverse=True)


# -- query translation --------------------------------------------------------------------
_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in _REGEX_META else c for c in text)


def _all(*queries: Query) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


def _any(queries: Sequence[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


class QueryBuilder:
    """Translates newsdex's query tree into tantivy query objects (terms stemmed like Whoosh's)."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def _per_field(self, field: str | None, make: Callable[[str], Query]) -> Query:
        """``field`` None means title or body; title matches weigh double, as in Whoosh."""
        fields = _TEXT_FIELDS if field is None else (field,)
        parts = []
        for name in fields:
            q = make(name)
            parts.append(Query.boost_query(q, TITLE_BOOST) if name == "title" else q)
        return _any(parts)

    def build(self, node: Node) -> Query:
        s = self.schema
        if isinstance(node, MatchAll):
            return Query.all_query()
        if isinstance(node, Term):
            if node.prefix:
                pattern = _regex_escape(node.text) + ".*"
                return self._per_field(node.field, lambda f: Query.regex_query(s, f, pattern))
            term = stem(node.text)
            return self._per_field(node.field, lambda f: Query.term_query(s, f, term))
        if isinstance(node, Phrase):
            words = [stem(w) for w in node.words]
            return self._per_field(node.field, lambda f: Query.phrase_query(s, f, words))
        if isinstance(node, FacetValue):
            return Query.term_query(s, node.field, node.value)
        if isinstance(node, DateRange):
            if node.start is None and node.end is None:
                return Query.exists_query("date")
            return Query.range_query(
                s,
                "date",
                tantivy.FieldType.Integer,
                node.start.toordinal() if node.start else None,
                node.end.toordinal() if node.end else None,
            )
        if isinstance(node, And):
            clauses = [
                (Occur.MustNot, self.build(c.child)) if isinstance(c, Not) else (Occur.Must, self.build(c))
                for c in node.children
            ]
            if all(occur == Occur.MustNot for occur, _ in clauses):
                clauses.insert(0, (Occur.Must, Query.all_query()))
            return Query.boolean_query(clauses)
        if isinstance(node, Or):
            return _any([self.build(c) for c in node.children])
        if isinstance(node, Not):  # tantivy matches nothing for a lone MustNot: subtract from everything
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, self.build(node.child))])
        raise TypeError(f"cannot translate {node!r}")

    def facet_filter(self, facet: str, values: Iterable[str]) -> Query:
        return _any([Query.term_query(self.schema, facet, v) for v in dict.fromkeys(values)])


# -- the engine -----------------------------------------------------------------------------
class TantivyWriter(IndexWriter):
    """One tantivy writer; it holds the index lock until commit or cancel, so it is used once.

    Analysing text in Python is most of a rebuild's cost (tantivy indexes in its own threads),
    so a fresh writer that has taken ``PARALLEL_AFTER`` documents moves the analysis of each
    later batch to worker processes, and adds one batch while the next is analysed.
    """

    def __init__(self, engine: TantivyEngine, *, fresh: bool) -> None:
        self._engine = engine
        self._writer: tantivy.IndexWriter | None = engine._index.writer(heap_size=WRITER_HEAP)
        self._fresh = fresh
        self._stems = _StemCache()
        self._added = 0
        self._pool: ProcessPoolExecutor | None = None
        self._pending: list[tuple[list[IndexDoc], Future[list[tuple[str, str]]]]] = []

    def _live(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("this writer was already committed or cancelled")
        return self._writer

    def add(self, doc: IndexDoc) -> None:
        self._add(doc, analysed(doc.title, self._stems), analysed(doc.body, self._stems))
        if len(self._stems) > STEM_CACHE_LIMIT:
            self._stems.clear()

    def _add(self, doc: IndexDoc, title_terms: str, body_terms: str) -> None:
        writer = self._live()
        if not self._fresh:
            writer.delete_documents_by_term("id", doc.id)
        writer.add_document(_document(doc, title_terms, body_terms))
        self._added += 1

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        batch = list(docs)
        if self._pool is None and self._fresh and self._added >= PARALLEL_AFTER and len(batch) >= ANALYSIS_WORKERS:
            self._pool = ProcessPoolExecutor(ANALYSIS_WORKERS, mp_context=multiprocessing.get_context("spawn"))
        if self._pool is None:
            return super().add_many(batch)
        self._live()
        step = -(-len(batch) // ANALYSIS_WORKERS)
        for start in range(0, len(batch), step):
            part = batch[start : start + step]
            self._pending.append((part, self._pool.submit(_analyse_batch, [(d.title, d.body) for d in part])))
        while len(self._pending) > 2 * ANALYSIS_WORKERS:  # keep the workers busy while this batch is added
            self._add_analysed(*self._pending.pop(0))
        return len(batch)

    def _add_analysed(self, docs: list[IndexDoc], future: Future[list[tuple[str, str]]]) -> None:
        for doc, (title_terms, body_terms) in zip(docs, future.result(), strict=True):
            self._add(doc, title_terms, body_terms)

    def _drain(self) -> None:
        while self._pending:
            self._add_analysed(*self._pending.pop(0))

    def delete(self, doc_id: str) -> None:
        self._drain()  # after the adds that came before it
        self._live().delete_documents_by_term("id", doc_id)

    def _release(self) -> None:
        """Wait for merges and drop the Rust writer, which frees the index lock for the next writer."""
        writer, self._writer = self._writer, None
        self._stems = _StemCache()
        pool, self._pool = self._pool, None
        self._pending.clear()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if writer is not None:
            writer.wait_merging_threads()

    def commit(self) -> None:
        self._drain()
        self._live().commit()
        self._release()
        self._engine._reload()

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._release()


class TantivyEngine(Engine):
    name = "tantivy"

    def __init__(self, path: Path, ix: tantivy.Index) -> None:
        super().__init__(path)
        self._index = ix
        ix.config_reader(reload_policy="manual")  # reloaded when meta.json changes: see _searcher
        self._schema = ix.schema
        self._queries = QueryBuilder(self._schema)
        self._lock = Lock()
        self._seen: tuple[int, int, int] | None = None
        self._reload()

    @classmethod
    def create(cls, path: Path) -> TantivyEngine:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        return cls(path, tantivy.Index(build_schema(), path=str(path), reuse=False))

    @classmethod
    def open(cls, path: Path) -> TantivyEngine:
        path = Path(path)
        if not path.is_dir() or not tantivy.Index.exists(str(path)):
            raise FileNotFoundError(f"no tantivy index in {path}")
        return cls(path, tantivy.Index.open(str(path)))

    def writer(self, *, fresh: bool = False) -> TantivyWriter:
        return TantivyWriter(self, fresh=fresh)

    # -- freshness ---------------------------------------------------------------------------
    def _meta_signature(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path / "meta.json")
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _reload(self) -> None:
        with self._lock:
            self._seen = self._meta_signature()
            self._index.reload()

    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit, also one made by another process (tantivy renames meta.json)."""
        if self._meta_signature() != self._seen:
            self._reload()
        return self._index.searcher()

    def doc_count(self) -> int:
        return self._searcher().num_docs

    # -- search --------------------------------------------------------------------------------
    def search(self, q: EngineQuery) -> EngineResult:
        searcher = self._searcher()
        base = self._queries.build(q.node)
        filters = {f: self._queries.facet_filter(f, values) for f, values in q.filters.items() if values}
        matched = _all(base, *filters.values())

        if q.sort == "relevance":
            results = searcher.search(matched, limit=max(q.limit, 1), offset=q.offset)
        else:
            key = "newest" if q.sort == "newest" else "oldest"
            results = searcher.search(
                matched, limit=max(q.limit, 1), offset=q.offset, order_by_field=key, order=tantivy.Order.Desc
            )
        total = results.count or 0
        hits: list[tuple[str, float]] = []
        if q.limit > 0:
            for score, address in results.hits:
                doc_id = searcher.doc(address).get_first("id")
                hits.append((doc_id, float(score) if q.sort == "relevance" else 0.0))

        facets: dict[str, list[tuple[str, int]]] = {}
        plain = [f for f in q.facets if f not in filters]
        if plain and total:
            facets.update(self._count(searcher, matched, plain, q.facet_limit))
        for facet in q.facets:
            if facet in filters:  # counted without its own selection, so other values stay offered
                others = [fq for f, fq in filters.items() if f != facet]
                facets.update(self._count(searcher, _all(base, *others), [facet], q.facet_limit))
            else:
                facets.setdefault(facet, [])
        return EngineResult(total=total, hits=hits, facets={f: facets[f] for f in q.facets})

    def _count(
        self, searcher: tantivy.Searcher, query: Query, facet_names: Sequence[str], limit: int | None = None
    ) -> dict[str, list[tuple[str, int]]]:
        top = self._top(searcher, query, facet_names, limit) if limit is not None else {}
        rest = [f for f in facet_names if f not in top]
        if rest:
            counts = self._aggregate(searcher, query, rest, 0, SLICES)
            top.update({f: _most_frequent_first(counts[f])[:limit] for f in rest})
        return top

    def _top(
        self, searcher: tantivy.Searcher, query: Query, facet_names: Sequence[str], limit: int
    ) -> dict[str, list[tuple[str, int]]]:
        """The first ``limit`` values of each facet, from tantivy's own top-k where that is provably exact.

        tantivy returns the most frequent buckets, but breaks ties its own way: a few extra buckets
        are asked for, and a facet counts as done only if its ``limit``-th count beats the last
        bucket returned (so no tie was cut off) and no segment truncated its counts.
        """
        result = _terms(searcher, query, facet_names, order="_count", size=limit + TOP_MARGIN)
        if result is None:
            return {}
        done = {}
        for facet in facet_names:
            buckets = result[facet]["buckets"]
            ranked = sort_facet_counts({b["key"]: b["doc_count"] for b in buckets}, limit)
            complete = not result[facet].get("sum_other_doc_count")
            if result[facet].get("doc_count_error_upper_bound", 0) == 0 and (
                complete or (len(ranked) == limit and ranked[-1][1] > buckets[-1]["doc_count"])
            ):
                done[facet] = ranked
        return done

    def _aggregate(
        self, searcher: tantivy.Searcher, query: Query, facet_names: Sequence[str], lo: int, hi: int
    ) -> dict[str, dict[str, int]]:
        """Exact value counts (in value order) of ``facet_names`` over the matches of ``query`` in slices [lo, hi).

        All facets go in one request (one pass over the matches) while the buckets fit tantivy's
        limit; otherwise each facet is counted alone, and a facet still too large for the limit is
        counted on the two halves of the slice range and added up.
        """
        sliced = query
        if (lo, hi) != (0, SLICES):
            in_slices = Query.range_query(self._schema, "slice", tantivy.FieldType.Integer, lo, hi - 1)
            sliced = _all(query, in_slices)
        result = _terms(searcher, sliced, facet_names, order="_key", size=MAX_BUCKETS)
        if result is not None and not any(result[f].get("sum_other_doc_count", 0) for f in facet_names):
            return {f: {b["key"]: b["doc_count"] for b in result[f]["buckets"]} for f in facet_names}
        if len(facet_names) > 1:
            counts: dict[str, dict[str, int]] = {}
            for facet in facet_names:
                counts.update(self._aggregate(searcher, query, [facet], lo, hi))
            return counts
        if hi - lo <= 1:
            raise RuntimeError(f"too many {facet_names[0]} values to count exactly in one slice of the index")
        mid = (lo + hi) // 2
        left = self._aggregate(searcher, query, facet_names, lo, mid)
        right = self._aggregate(searcher, query, facet_names, mid, hi)
        return {f: dict(sorted((Counter(left[f]) + Counter(right[f])).items())) for f in facet_names}

    # -- more like this ------------------------------------------------------------------------
    def similar(self, text: str, *, limit: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The best-weighted terms of ``text`` as a boosted OR over bodies, like the Whoosh engine."""
        searcher = self._searcher()
        terms = Counter(t for t in analyse(text) if len(t) > 2)
        if not terms or limit <= 0:
            return []
        n_docs = max(searcher.num_docs, 1)
        weighted = []
        for term, tf in terms.items():
            df = searcher.doc_freq("body", term)
            if df:
                weighted.append((tf * math.log(1 + n_docs / df), term))
        if not weighted:
            return []
        weighted.sort(reverse=True)
        clauses = [
            (Occur.Should, Query.boost_query(Query.term_query(self._schema, "body", t), float(w)))
            for w, t in weighted[:25]
        ]
        clauses += [(Occur.MustNot, Query.term_query(self._schema, "id", i)) for i in dict.fromkeys(exclude)]
        results = searcher.search(Query.boolean_query(clauses), limit=limit)
        return [(searcher.doc(address).get_first("id"), float(score)) for score, address in results.hits]

    def close(self) -> None:
        """Nothing to flush: readers are memory maps that go with the last reference."""
