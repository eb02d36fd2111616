"""The tantivy engine: the same answers as Whoosh, from a Rust index.

Three choices keep it exactly in step with the shared analysis and the reference engine:

* Text is analysed natively, in tantivy's indexing thread, by its ``simple`` tokenizer, lowercaser and
  English stemmer: the rules :mod:`index.analysis` implements in Python for Whoosh, the highlighter
  and the query side (same word characters, same per-character lowercasing, the same Snowball
  English), so both engines index the same terms at the same positions.  Queries are translated
  into terms already stemmed in Python.
* Facets are counted in numpy, not by tantivy's terms aggregations (those read every value of every
  match into a bucket per value: 80 ms for 82,000 matches over 28,000 actors).  Every document gets
  a row number, and the facet values of each row are kept beside the index in row tables, one file
  per commit, written before the commit that makes their rows searchable.  A search finds the rows
  it matches, then counts are a gather and a bincount over them, and facet filters are masks over
  the same rows, so one pass over the matches serves every facet.  Few matches give their rows
  through a search sorted by the ``row`` fast field; many, through a histogram of ``row`` in blocks
  of 52 rows that sums ``bit`` = 2 ** (row % 52), one float per block whose bits are the matching
  rows (exact: 52 bits fit a double's mantissa), which costs about the same for any number of matches.
* Dates are integer day numbers; two precomputed sort keys put undated articles last both ways.

User text never reaches tantivy's query parser: the query tree is translated into query objects.
"""

from __future__ import annotations

import json
import math
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
import tantivy
from tantivy import Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from index.analysis import analyse, stem
from index.engine import Engine, EngineQuery, EngineResult, IndexDoc, IndexWriter, sort_facet_counts
from index.facet_pairs import MANY_MATCHES, PairsByValue
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

FACET_FIELDS = ("outlet", "actor", "location", "month")
_TEXT_FIELDS = ("title", "body")
TITLE_BOOST = 2.0  # Whoosh's field_boost on title, applied at query time (tantivy has no index-time boost)
TEXT_TOKENIZER = "newsdex"  # registered on every opened index (see _with_analyzer)
ROW_FIELDS = ("row", "bit")  # an index without them predates the row tables
ROWS_PER_BLOCK = 52  # rows summed into one histogram bucket: their bits add up exactly in a double
MAX_BUCKETS = 65_000  # tantivy's default aggregation bucket limit: larger tables are read in several requests
SMALL_MATCHES = 16_384  # up to this many matches, rows come from a search sorted by row (0.3 µs a match), not the
# block aggregation (about 2 µs a block of 52 rows touched: 2-9 ms at 100,000 articles)
COLLECT_COSTLY = 4_096  # hits a query with a long phrase collects at once: with fewer matches, it runs only once
LONG_PHRASE = 3  # words: two-word phrases often match thousands, and collecting those costs more than it saves
ROW_TABLE = "newsdex-rows-{:012d}-{:012d}.npz"  # the facet values of rows [start, end), written by one commit
UNDATED = -(2**62)  # sort key of undated articles: below every real day in both orders
WRITER_HEAP = 256_000_000
# Analysis runs in these threads: two rebuild 100k articles 1.6x faster on two cores (1,908 vs about
# 1,215 a second).  The price: tantivy hands documents to its threads one by one, so the two segments'
# rows interleave and a broad query's facet histogram touches every block twice (10-20 % slower).
WRITER_THREADS = 2


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title", tokenizer_name=TEXT_TOKENIZER)
    builder.add_text_field("body", tokenizer_name=TEXT_TOKENIZER)
    for facet in FACET_FIELDS:  # for filters; counts come from the row tables
        builder.add_text_field(facet, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("date", indexed=True, fast=True)  # proleptic ordinal day; absent when undated
    builder.add_integer_field("newest", fast=True)  # day, or UNDATED; sorted descending
    builder.add_integer_field("oldest", fast=True)  # minus the day, or UNDATED; sorted descending
    builder.add_unsigned_field("row", fast=True)  # position in the row tables
    builder.add_unsigned_field("bit", fast=True)  # 2 ** (row % ROWS_PER_BLOCK)
    return builder.build()


def _outdated(message: str) -> Exception:
    from index.manager import IndexOutdatedError  # imported here: the manager loads engines by name

    return IndexOutdatedError(message)


# -- analysis ---------------------------------------------------------------------------
def text_analyzer() -> tantivy.TextAnalyzer:
    """tantivy's form of :func:`index.analysis.analyse` (tests compare the two word for word)."""
    return TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.lowercase()).filter(Filter.stemmer("english")).build()


def _with_analyzer(index: tantivy.Index) -> tantivy.Index:
    """``index``, able to analyse title and body: tantivy keeps custom analyzers in memory only."""
    index.register_tokenizer(TEXT_TOKENIZER, text_analyzer())
    return index


def _unique(values: Iterable[str]) -> list[str]:
    """Each value once (in order), so a multi-valued facet counts a document once per value."""
    return list(dict.fromkeys(v for v in values if v))


def _facet_values(doc: IndexDoc) -> tuple[list[str], ...]:
    """The values ``doc`` is filtered and counted under, in ``FACET_FIELDS`` order."""
    return [doc.outlet] if doc.outlet else [], _unique(doc.actors), _unique(doc.locations), [doc.month]


def _document(doc: IndexDoc, row: int, values: tuple[list[str], ...]) -> Any:
    d = tantivy.Document()
    d.add_text("id", doc.id)
    d.add_text("title", doc.title)
    d.add_text("body", doc.body)
    for facet, facet_values in zip(FACET_FIELDS, values, strict=True):
        for value in facet_values:
            d.add_text(facet, value)
    if doc.date:
        day = doc.date.toordinal()
        d.add_integer("date", day)
        d.add_integer("newest", day)
        d.add_integer("oldest", -day)
    else:
        d.add_integer("newest", UNDATED)
        d.add_integer("oldest", UNDATED)
    d.add_unsigned("row", row)
    d.add_unsigned("bit", 1 << (row % ROWS_PER_BLOCK))
    return d


# -- row tables: the facet values of every row, beside the index -----------------------------
def _row_table_files(directory: Path) -> list[tuple[int, int, Path]]:
    """(start, end, path) of each row table in ``directory``, in row order."""
    found = []
    for path in directory.glob("newsdex-rows-*.npz"):
        start, _, end = path.name[len("newsdex-rows-") : -len(".npz")].partition("-")
        if start.isdigit() and end.isdigit():
            found.append((int(start), int(end), path))
    return sorted(found)


def _rows_end(directory: Path) -> int:
    return max((end for _, end, _ in _row_table_files(directory)), default=0)


class _RowsBuilder:
    """The facet values of the rows one writer adds, saved as one row table when it commits."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.rows = 0
        self._codes: list[dict[str, int]] = [{} for _ in FACET_FIELDS]
        self._values = [array("i") for _ in FACET_FIELDS]  # 4 bytes a value, not a list's 8 plus an int object
        self._lengths = [array("i") for _ in FACET_FIELDS]

    def add(self, values: tuple[list[str], ...]) -> int:
        """Record one document's values; returns its row."""
        for codes, column, lengths, row_values in zip(self._codes, self._values, self._lengths, values, strict=True):
            for value in row_values:
                code = codes.get(value)
                if code is None:
                    code = codes[value] = len(codes)
                column.append(code)
            lengths.append(len(row_values))
        self.rows += 1
        return self.start + self.rows - 1

    def save(self, directory: Path) -> None:
        if not self.rows:
            return
        arrays: dict[str, np.ndarray] = {}
        for facet, codes, column, lengths in zip(FACET_FIELDS, self._codes, self._values, self._lengths, strict=True):
            names = json.dumps(list(codes), ensure_ascii=False).encode("utf-8")
            arrays[f"{facet}_names"] = np.frombuffer(names, dtype=np.uint8)
            offsets = np.cumsum(np.frombuffer(lengths, dtype=np.int32), dtype=np.int64)
            arrays[f"{facet}_indptr"] = np.concatenate(([0], offsets))
            arrays[f"{facet}_codes"] = np.frombuffer(column, dtype=np.int32)
        final = directory / ROW_TABLE.format(self.start, self.start + self.rows)
        tmp = final.with_name(final.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, final)


@dataclass(frozen=True)
class _Column:
    """One facet over all rows: value names, and each row's value codes (CSR)."""

    names: list[str]
    codes_of: dict[str, int]
    indptr: np.ndarray  # int64, rows + 1
    codes: np.ndarray  # int32
    single: np.ndarray | None  # each row's one code (len(names) for none) when no row has two values

    @classmethod
    def empty(cls) -> _Column:
        return cls([], {}, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))

    def extended(self, parts: list[tuple[list[str], np.ndarray, np.ndarray]]) -> _Column:
        """This column plus the rows of ``parts`` (each: names, CSR offsets, codes into those names)."""
        codes_of = dict(self.codes_of)  # a value's code is its place in this (insertion-ordered) dict
        indptrs, codes = [self.indptr], [self.codes]
        for part_names, part_indptr, part_codes in parts:
            known = (codes_of.setdefault(name, len(codes_of)) for name in part_names)
            remap = np.fromiter(known, dtype=np.int32, count=len(part_names))
            indptrs.append(part_indptr[1:] + indptrs[-1][-1])
            codes.append(remap[part_codes])
        names = list(codes_of)
        all_indptr, all_codes = np.concatenate(indptrs), np.concatenate(codes)
        lengths = np.diff(all_indptr)
        single = None
        if not len(lengths) or lengths.max() <= 1:
            single = np.full(len(lengths), len(names), dtype=np.int32)
            has = lengths > 0
            single[has] = all_codes[all_indptr[:-1][has]]
        return _Column(names, codes_of, all_indptr, all_codes, single)

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    @cached_property
    def by_value(self) -> PairsByValue:
        """This column's pairs in value order, made on first use and kept with the column."""
        owners = np.repeat(np.arange(self.rows, dtype=np.intp), np.diff(self.indptr))
        return PairsByValue.of(owners, self.codes, len(self.names))

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """How many of ``rows`` (distinct) have each value code."""
        size = len(self.names)
        if self.single is not None:
            return np.bincount(self.single[rows], minlength=size + 1)[:size]
        if MANY_MATCHES * len(rows) > self.rows:
            matched = np.zeros(self.rows, dtype=bool)
            matched[rows] = True
            return self.by_value.counts(matched)
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        picks = np.arange(total, dtype=np.int64) - np.repeat(ends - lengths - starts, lengths)
        return np.bincount(self.codes[picks], minlength=size)

    def having(self, values: Iterable[str]) -> np.ndarray:
        """Mask of the rows with any of ``values``."""
        wanted = [self.codes_of[v] for v in values if v in self.codes_of]
        rows = len(self.indptr) - 1
        if not wanted:
            return np.zeros(rows, dtype=bool)
        if self.single is not None:
            return np.isin(self.single, wanted)
        seen = np.concatenate(([0], np.cumsum(np.isin(self.codes, wanted))))
        return seen[self.indptr[1:]] > seen[self.indptr[:-1]]

    def ranked(self, rows: np.ndarray, limit: int | None) -> list[tuple[str, int]]:
        """The values of ``rows`` in :func:`sort_facet_counts` order; the first ``limit``."""
        if limit is not None and limit <= 0:
            return []
        counts = self.counts(rows)
        present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:
            found = counts[present]
            cut = np.partition(found, len(found) - limit)[len(found) - limit]  # the limit-th largest count
            present = present[found >= cut]  # and every value tied with it, ordered by name below
        names = self.names
        found_counts = {names[code]: n for code, n in zip(present.tolist(), counts[present].tolist(), strict=True)}
        return sort_facet_counts(found_counts, limit)


@dataclass(frozen=True)
class _RowTable:
    """Every committed row's facet values; immutable, so a search keeps the table it started with."""

    end: int
    columns: dict[str, _Column]

    @classmethod
    def empty(cls) -> _RowTable:
        return cls(0, {f: _Column.empty() for f in FACET_FIELDS})

    def extended(self, directory: Path) -> _RowTable:
        """This table plus the row tables written since (each continues where the last ended)."""
        end, parts = self.end, []
        for start, stop, path in _row_table_files(directory):
            if stop <= end:
                continue
            if start != end:
                raise _outdated(f"the row tables in {directory} miss rows {end}..{start}: run 'newsdex rebuild'")
            with np.load(path) as saved:
                parts.append(
                    {
                        f: (json.loads(saved[f"{f}_names"].tobytes()), saved[f"{f}_indptr"], saved[f"{f}_codes"])
                        for f in FACET_FIELDS
                    }
                )
            end = stop
        if not parts:
            return self
        return _RowTable(end, {f: self.columns[f].extended([part[f] for part in parts]) for f in FACET_FIELDS})


def _and(first: np.ndarray, *masks: np.ndarray) -> np.ndarray:
    for mask in masks:
        first = first & mask
    return first


def _long_phrase(node: Node) -> bool:
    """Whether ``node`` holds a phrase of ``LONG_PHRASE`` words or more: costly to evaluate twice (the
    positions of several common words), and rarely matched, so its hits are worth collecting at once."""
    if isinstance(node, Phrase):
        return len(node.words) >= LONG_PHRASE
    if isinstance(node, And | Or):
        return any(_long_phrase(child) for child in node.children)
    if isinstance(node, Not):
        return _long_phrase(node.child)
    return False


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
            return Query.range_query(  # over the day terms: 2-4x faster than scanning the fast field
                s,
                "date",
                tantivy.FieldType.Integer,
                node.start.toordinal() if node.start else None,
                node.end.toordinal() if node.end else None,
                use_inverted_index=True,
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

    Documents go to tantivy as they come (it analyses and indexes them in its own thread, beside
    Python).  Rows are numbered on from the last row table; this writer's table is saved just before
    it commits.
    """

    def __init__(self, engine: TantivyEngine, *, fresh: bool) -> None:
        self._engine = engine
        self._writer: tantivy.IndexWriter | None = engine._index.writer(
            heap_size=WRITER_HEAP, num_threads=WRITER_THREADS
        )
        self._rows = _RowsBuilder(_rows_end(engine.path))  # read under the index lock, so no other writer adds
        self._fresh = fresh

    def _live(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("this writer was already committed or cancelled")
        return self._writer

    def add(self, doc: IndexDoc) -> None:
        writer = self._live()
        if not self._fresh:
            writer.delete_documents_by_term("id", doc.id)
        values = _facet_values(doc)
        writer.add_document(_document(doc, self._rows.add(values), values))

    def delete(self, doc_id: str) -> None:
        self._live().delete_documents_by_term("id", doc_id)

    def _release(self) -> None:
        """Wait for merges and drop the Rust writer, which frees the index lock for the next writer."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.wait_merging_threads()

    def commit(self) -> None:
        writer = self._live()
        # Before the commit: a reader that sees these rows always finds their facet values.  Should the
        # commit fail, the table only describes rows no document has, and the next writer numbers on past it.
        self._rows.save(self._engine.path)
        writer.commit()
        self._release()
        self._engine._reload()

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._release()


def _matching_rows(searcher: tantivy.Searcher, query: Query, end: int) -> tuple[np.ndarray, int]:
    """(mask over rows [0, end) of the documents ``query`` matches, how many it matches)."""
    blocks = -(-end // ROWS_PER_BLOCK)
    bits = np.zeros(blocks, dtype="<u8")
    total = 0
    span = MAX_BUCKETS * ROWS_PER_BLOCK
    for low in range(0, end, span):
        high = min(low + span, end) - 1
        histogram = {"field": "row", "interval": ROWS_PER_BLOCK, "min_doc_count": 1}
        histogram["hard_bounds"] = {"min": low, "max": high}
        request = {"rows": {"histogram": histogram, "aggs": {"bits": {"sum": {"field": "bit"}}}}}
        buckets = searcher.aggregate(query, request)["rows"]["buckets"]
        if not buckets:
            continue
        keys = np.fromiter(map(itemgetter("key"), buckets), dtype=np.float64, count=len(buckets))
        sums = np.fromiter((b["bits"]["value"] for b in buckets), dtype=np.float64, count=len(buckets))
        bits[(keys // ROWS_PER_BLOCK).astype(np.int64)] = sums.astype(np.uint64)
        total += sum(map(itemgetter("doc_count"), buckets))
    flags = np.unpackbits(bits.view(np.uint8), bitorder="little").reshape(blocks, 64)[:, :ROWS_PER_BLOCK]
    mask = flags.reshape(-1)[:end].view(bool)
    if int(np.count_nonzero(mask)) != total:  # two documents on one row would carry into another row's bit
        raise RuntimeError("the row numbers of this index overlap: run 'newsdex rebuild'")
    return mask, total


class TantivyEngine(Engine):
    name = "tantivy"

    def __init__(self, path: Path, ix: tantivy.Index) -> None:
        super().__init__(path)
        self._index = ix
        ix.config_reader(reload_policy="manual")  # reloaded when meta.json changes: see _current
        self._schema = ix.schema
        for field in ROW_FIELDS:
            try:
                Query.term_query(self._schema, field, 0)
            except ValueError:
                raise _outdated(
                    f"the tantivy index in {path} was built by an older newsdex (no {field!r} field): "
                    "run 'newsdex rebuild'"
                ) from None
        self._queries = QueryBuilder(self._schema)
        self._lock = Lock()
        self._seen: tuple[int, int, int] | None = None
        self._table = _RowTable.empty()
        self._state: tuple[tantivy.Searcher, _RowTable] | None = None
        self._reload()

    @classmethod
    def create(cls, path: Path) -> TantivyEngine:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for _, _, stale in _row_table_files(path):  # rows of an index this one replaces
            stale.unlink()
        return cls(path, _with_analyzer(tantivy.Index(build_schema(), path=str(path), reuse=False)))

    @classmethod
    def open(cls, path: Path) -> TantivyEngine:
        path = Path(path)
        if not path.is_dir() or not tantivy.Index.exists(str(path)):
            raise FileNotFoundError(f"no tantivy index in {path}")
        return cls(path, _with_analyzer(tantivy.Index.open(str(path))))

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
        """A searcher on the latest commit and the row tables read after it (so they cover its rows)."""
        with self._lock:
            seen = self._meta_signature()
            self._index.reload()
            searcher = self._index.searcher()
            table = self._table = self._table.extended(self.path)
            if searcher.num_docs:
                highest = searcher.aggregate(Query.all_query(), {"row": {"max": {"field": "row"}}})["row"]["value"]
                if highest is not None and highest >= table.end:
                    raise _outdated(f"the row tables in {self.path} miss rows of the index: run 'newsdex rebuild'")
            self._state, self._seen = (searcher, table), seen

    def _current(self) -> tuple[tantivy.Searcher, _RowTable]:
        """The searcher and row table of the latest commit, also one made by another process."""
        if self._state is None or self._meta_signature() != self._seen:
            self._reload()
        assert self._state is not None
        return self._state

    def doc_count(self) -> int:
        return self._current()[0].num_docs

    # -- search --------------------------------------------------------------------------------
    def search(self, q: EngineQuery) -> EngineResult:
        searcher, table = self._current()
        base = self._queries.build(q.node)
        filters = {f: values for f, values in q.filters.items() if values}
        matched = _all(base, *(self._queries.facet_filter(f, values) for f, values in filters.items()))
        collect = COLLECT_COSTLY if q.facets and not filters and _long_phrase(q.node) else 0
        found: list[tuple[Any, tantivy.DocAddress]] | None = None
        if collect > q.offset + q.limit:  # one evaluation for the page and, if they all fit, every match
            found, total = self._collect(searcher, matched, q, collect, 0)
            page = found[q.offset : q.offset + q.limit]
        else:
            page, total = self._collect(searcher, matched, q, q.limit, q.offset)
        relevance = q.sort == "relevance"
        hits = [
            (searcher.doc(address).get_first("id"), float(key) if relevance else 0.0)
            for key, address in page[: q.limit]
        ]
        facets: dict[str, list[tuple[str, int]]] = {}
        if q.facets and not filters:
            rows = self._rows(searcher, matched, table.end, total, found if total <= collect else None)
            facets = {facet: table.columns[facet].ranked(rows, q.facet_limit) for facet in q.facets}
        elif q.facets:  # a facet is counted without its own selection, so its other values stay offered
            base_rows = np.zeros(table.end, dtype=bool)
            base_rows[self._rows(searcher, base, table.end, searcher.search(base, limit=1).count)] = True
            chosen = {f: table.columns[f].having(values) for f, values in filters.items()}
            rows = np.flatnonzero(_and(base_rows, *chosen.values()))
            for facet in q.facets:
                if facet in chosen:
                    others = np.flatnonzero(_and(base_rows, *(m for f, m in chosen.items() if f != facet)))
                    facets[facet] = table.columns[facet].ranked(others, q.facet_limit)
                else:
                    facets[facet] = table.columns[facet].ranked(rows, q.facet_limit)
        return EngineResult(total=total, hits=hits, facets=facets)

    @staticmethod
    def _collect(
        searcher: tantivy.Searcher, query: Query, q: EngineQuery, limit: int, offset: int
    ) -> tuple[list[tuple[Any, tantivy.DocAddress]], int]:
        """``limit`` hits after ``offset`` in the order ``q`` asks for, as (score or sort key, address); the total."""
        if q.sort == "relevance":
            results = searcher.search(query, limit=max(limit, 1), offset=offset)
        else:
            key = "newest" if q.sort == "newest" else "oldest"
            results = searcher.search(
                query, limit=max(limit, 1), offset=offset, order_by_field=key, order=tantivy.Order.Desc
            )
        return results.hits, results.count or 0

    @staticmethod
    def _rows(
        searcher: tantivy.Searcher,
        query: Query,
        end: int,
        total: int | None = None,
        found: list[tuple[Any, tantivy.DocAddress]] | None = None,
    ) -> np.ndarray:
        """The rows of the documents ``query`` matches (``total`` of them; ``found``: all their hits, if at hand).

        Few matches are cheapest read from a search sorted by row (or from the hits already found); many,
        from the block aggregation, whose cost hardly grows with the number of matches.
        """
        if found is not None:
            rows = np.array(searcher.fast_field_values("row", [address for _, address in found]), dtype=np.int64)
        elif total is not None and total <= SMALL_MATCHES:
            hits = searcher.search(query, limit=max(total, 1), count=False, order_by_field="row").hits
            rows = np.fromiter(map(itemgetter(0), hits), dtype=np.int64, count=len(hits))
        else:
            mask, counted = _matching_rows(searcher, query, end)
            if total is not None and counted != total:
                raise RuntimeError(f"the aggregation counted {counted} matches, the search {total}")
            return np.flatnonzero(mask)
        if (total is not None and len(rows) != total) or (len(rows) and int(rows.max()) >= end):
            raise RuntimeError(f"the rows of {total} matches are not all in the row tables: run 'newsdex rebuild'")
        return rows

    # -- more like this ------------------------------------------------------------------------
    def similar(self, text: str, *, limit: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The best-weighted terms of ``text`` as a boosted OR over bodies, like the Whoosh engine."""
        searcher = self._current()[0]
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
