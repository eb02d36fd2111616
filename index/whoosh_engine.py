"""The Whoosh engine: pure Python, the default.

Whoosh stores the index; the per-match work that makes plain Whoosh slow on a
large archive is done with numpy instead: matches are boolean masks built from
whole posting lists, ranking is Whoosh's own BM25F computed for all matches at
once (:mod:`index.whoosh_ranking`), facet counts come from per-segment
(document, value) arrays saved beside each segment (instead of ``groupedby``,
which re-reads every match's values for each facet), and highlighting happens
above the engine, on the page's hits only.  ``tests/test_fast_paths.py`` checks
each of these against Whoosh's own way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
from whoosh import fields, formats, index, query
from whoosh.analysis import Filter, RegexTokenizer, StemFilter
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.compat import loads
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import NO_MERGE

from index.analysis import TOKEN_PATTERN, analyse, lower, stem, word_bytes
from index.engine import Engine, EngineQuery, EngineResult, IndexDoc, IndexWriter, sort_facet_counts
from index.facet_pairs import MANY_MATCHES, PairsByValue
from index.whoosh_ranking import Ranker, top_docnums
from index.whoosh_segments import FastSegmentWriter, encode_positions, numeric_column
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

VALUE_SEP = "\x1f"
FACET_SEP = "\x1e"
FACET_ORDER = ("outlet", "actor", "location", "month")
_TEXT_FIELDS = ("title", "body")


class NewsText(fields.TEXT):
    """A TEXT field whose indexing skips Whoosh's token-object pipeline.

    Whoosh analyses each word through a chain of generator filters building
    ``Token`` objects; here one regex pass with the shared (cached) stemmer yields
    the very same terms and positions at a fraction of the cost.  The segment writer
    takes the words themselves (:class:`index.whoosh_segments.WordField`) and builds
    the postings of a whole segment at once; ``index`` gives the same postings one
    document at a time, for anything in Whoosh that asks, as does the analyzer (set
    to the same rules).
    """

    def index_words(self, value: str) -> list[bytes]:
        if len(_TERMS) > STEM_CACHE_LIMIT:
            _TERMS.clear()
        return word_bytes(value)

    def word_term(self, word: bytes) -> bytes:
        return _TERMS[word]

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        positions: dict[bytes, list[int]] = {}
        for pos, term in enumerate(map(self.word_term, self.index_words(value))):
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
        boost = self.format.field_boost
        for term, poslist in positions.items():
            yield term, len(poslist), len(poslist) * boost, encode_positions(poslist)


class _TermBytes(dict[bytes, bytes]):
    """Lowercased word (UTF-8) → its term as Whoosh indexes it (stemmed, UTF-8); a dict, so lookups stay in C."""

    def __missing__(self, word: bytes) -> bytes:
        term = self[word] = stem(word.decode("utf-8")).encode("utf-8")
        return term


class CharLowercaseFilter(Filter):
    """Whoosh's LowercaseFilter with the shared rule (:func:`index.analysis.lower`)."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = lower(token.text)
            yield token


STEM_CACHE_LIMIT = 500_000  # words whose terms the indexing process keeps (bounded memory on huge rebuilds)
_TERMS = _TermBytes()


def build_schema() -> fields.Schema:
    text = RegexTokenizer(TOKEN_PATTERN) | CharLowercaseFilter() | StemFilter(stemfn=stem, cachesize=None)
    whole_values = RegexTokenizer(f"[^{VALUE_SEP}]+")  # one term per actor/location, spaces kept
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=NewsText(analyzer=text, phrase=True, field_boost=2.0),
        body=NewsText(analyzer=text, phrase=True),
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


PhraseMaker = Callable[[str, list[str]], query.Query]


def to_whoosh(node: Node, phrase: PhraseMaker = query.Phrase) -> query.Query:
    """Translate newsdex's query tree into Whoosh query objects (terms already stemmed).

    ``phrase`` builds each per-field phrase query (``Snapshot.scoring_query`` passes
    one that reuses the positions already checked for the mask).
    """
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
        parts = [phrase(f, words) for f in _text_fields(node.field)]
        return parts[0] if len(parts) == 1 else query.Or(parts)
    if isinstance(node, FacetValue):
        return query.Term(node.field, node.value)
    if isinstance(node, DateRange):
        start = dt.datetime.combine(node.start, dt.time()) if node.start else None
        end = dt.datetime.combine(node.end, dt.time(23, 59, 59)) if node.end else None
        return query.DateRange("date", start, end)
    if isinstance(node, And):
        children = [to_whoosh(c, phrase) for c in node.children]
        if all(isinstance(c, Not) for c in node.children):
            children.insert(0, query.Every())
        return query.And(children)
    if isinstance(node, Or):
        return query.Or([to_whoosh(c, phrase) for c in node.children])
    if isinstance(node, Not):
        return query.And([query.Every(), query.Not(to_whoosh(node.child, phrase))])
    raise TypeError(f"cannot translate {node!r}")


# -- per-generation arrays ----------------------------------------------------------
POSTINGS_CACHE_IDS = 8_000_000  # docnums kept in the per-term cache (int32: 32 MB)
PHRASE_CACHE = 64  # phrases whose per-segment matches are kept for scoring...
PHRASE_CACHE_IDS = 1_000_000  # ...and at most this many docnums over all of them (sets: about 60 MB)


def _leaf_postings(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every (docnum, weight) of one term in one segment, read block by block (not posting by posting)."""
    if isinstance(matcher, FilterMatcher):  # deletions: the live mask removes them later
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)
    id_blocks, weight_blocks = [], []
    while not matcher._atend:
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        id_blocks.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        # A block stores its weights as an array, one float for all, or None for all 1.0 (see _read_weights).
        if weights is None or isinstance(weights, float):
            weight_blocks.append(np.full(len(deltas), 1.0 if weights is None else weights, dtype=np.float32))
        else:
            weight_blocks.append(np.asarray(weights, dtype=np.float32))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not id_blocks:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    return np.concatenate(id_blocks).astype(np.int32), np.concatenate(weight_blocks)


def _decode_positions(value: bytes) -> list[int]:
    """``formats.Positions.decode_positions`` (a count, then pickled deltas), summing the deltas in C."""
    return list(accumulate(loads(value[_INT_SIZE:] if value.endswith(b".") else value[_INT_SIZE:] + b".")))


def _phrase_starts(starts: set[int], k: int, positions: list[int]) -> set[int]:
    """The phrase starts in ``starts`` whose word ``k`` (counting from 0) is at one of ``positions``."""
    return starts.intersection([p - k for p in positions])


class FacetColumns:
    """Every document's facet values as (docnum, code) pairs in numpy arrays, read once per segment.

    Counting the values of a set of documents is then one ``np.bincount`` over
    the pairs whose document is in the set, instead of a Python loop per match
    (or ``groupedby``, which re-reads every match's values for each facet).
    """

    def __init__(
        self,
        searcher: Searcher,
        segment_cache: dict[str, dict[str, tuple[list[str], np.ndarray, np.ndarray]]] | None = None,
        saved_in: Path | None = None,
    ) -> None:
        self.values: dict[str, list[str]] = {f: [] for f in FACET_ORDER}
        self.codes: dict[str, dict[str, int]] = {f: {} for f in FACET_ORDER}
        docs: dict[str, list[np.ndarray]] = {f: [] for f in FACET_ORDER}
        codes: dict[str, list[np.ndarray]] = {f: [] for f in FACET_ORDER}
        cache = segment_cache if segment_cache is not None else {}
        for reader, offset in _leaves(searcher):
            key = _segment_key(reader)
            local = cache.get(key) if key else None
            if local is None and key and saved_in is not None:
                local = load_segment_facets(saved_in, key)
            if local is None:
                local = _read_segment_facets(reader)
            if key:
                cache[key] = local
            for facet in FACET_ORDER:
                names, seg_docs, seg_codes = local[facet]
                table, values = self.codes[facet], self.values[facet]
                remap = np.empty(len(names), dtype=np.int32)
                for i, name in enumerate(names):
                    code = table.get(name)
                    if code is None:
                        code = table[name] = len(values)
                        values.append(name)
                    remap[i] = code
                docs[facet].append(seg_docs + offset)
                codes[facet].append(remap[seg_codes] if len(names) else seg_codes)
        self.docs = {f: np.concatenate(docs[f]) if docs[f] else np.empty(0, np.int32) for f in FACET_ORDER}
        self.pair_codes = {f: np.concatenate(codes[f]) if codes[f] else np.empty(0, np.int32) for f in FACET_ORDER}
        self._pairs_by_value: dict[str, PairsByValue] = {}

    def count(self, facet: str, docnums: Iterable[int] | np.ndarray, limit: int | None = None) -> list[tuple[str, int]]:
        """Value counts over ``docnums`` (a boolean mask over all docnums, or docnums), the ``limit`` first."""
        mask = docnums if isinstance(docnums, np.ndarray) and docnums.dtype == np.bool_ else None
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[np.fromiter(docnums, dtype=np.int64)] = True
        if MANY_MATCHES * int(np.count_nonzero(mask)) > self.size:
            counts = self._by_value(facet).counts(mask)
        else:
            counts = np.bincount(self.pair_codes[facet][mask[self.docs[facet]]], minlength=len(self.values[facet]))
        present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:  # only values counted at least as often as the limit-th
            found = counts[present]
            present = present[found >= np.partition(found, len(found) - limit)[len(found) - limit]]
        names = self.values[facet]
        return sort_facet_counts({names[c]: int(counts[c]) for c in present}, limit)

    def _by_value(self, facet: str) -> PairsByValue:
        """``facet``'s pairs in value order, made on the first broad query and kept with these columns."""
        pairs = self._pairs_by_value.get(facet)
        if pairs is None:
            pairs = PairsByValue.of(self.docs[facet], self.pair_codes[facet], len(self.values[facet]))
            self._pairs_by_value[facet] = pairs
        return pairs

    def having(self, facet: str, wanted: Iterable[str]) -> np.ndarray:
        """Boolean mask of the documents with any of the ``wanted`` values of ``facet``."""
        table = self.codes[facet]
        wanted_codes = [table[v] for v in wanted if v in table]
        mask = np.zeros(self.size, dtype=bool)
        if wanted_codes:
            mask[self.docs[facet][np.isin(self.pair_codes[facet], wanted_codes)]] = True
        return mask

    size: int = 0


def _leaves(searcher: Searcher) -> list[tuple[Any, int]]:
    return list(searcher.reader().leaf_readers())


def _segment_key(reader: Any) -> str | None:
    segment = getattr(reader, "segment", None)
    return segment().segment_id() if callable(segment) else None


def _read_segment_facets(reader: Any) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """One segment's packed facet column decoded into (value names, local docnums, codes) per facet."""
    names: dict[str, list[str]] = {f: [] for f in FACET_ORDER}
    tables: dict[str, dict[str, int]] = {f: {} for f in FACET_ORDER}
    docs: dict[str, list[int]] = {f: [] for f in FACET_ORDER}
    codes: dict[str, list[int]] = {f: [] for f in FACET_ORDER}
    if reader.has_column("facets"):
        column = reader.column_reader("facets")
        for docnum, raw in enumerate(column):
            if not raw:
                continue
            for facet, part in zip(FACET_ORDER, raw.decode("utf-8").split(FACET_SEP), strict=True):
                if not part:
                    continue
                table = tables[facet]
                for value in part.split(VALUE_SEP):
                    code = table.get(value)
                    if code is None:
                        code = table[value] = len(names[facet])
                        names[facet].append(value)
                    docs[facet].append(docnum)
                    codes[facet].append(code)
    return {f: (names[f], np.array(docs[f], dtype=np.int32), np.array(codes[f], dtype=np.int32)) for f in FACET_ORDER}


# Each segment's facet pairs saved beside it when a writer commits, so opening a large index
# loads arrays instead of decoding every document's facet column in Python (segments never change).
FACETS_FILE = "newsdex-facets-{}.npz"
_PARTS = ((1, "docs"), (2, "codes"))
SegmentFacets = dict[str, tuple[list[str], np.ndarray, np.ndarray]]


def save_segment_facets(index_dir: Path, searcher: Searcher) -> None:
    """Write the facet pairs of every segment that lacks them; drop the files of merged-away segments."""
    live = set()
    for reader, _ in _leaves(searcher):
        key = _segment_key(reader)
        if key is None:
            continue
        live.add(FACETS_FILE.format(key))
        target = index_dir / FACETS_FILE.format(key)
        if target.exists():
            continue
        local = _read_segment_facets(reader)
        arrays = {f"{facet}.{part}": local[facet][i] for facet in FACET_ORDER for i, part in _PARTS}
        names = json.dumps({facet: local[facet][0] for facet in FACET_ORDER}, ensure_ascii=False).encode("utf-8")
        tmp = target.with_suffix(".tmp.npz")
        np.savez(tmp, names=np.frombuffer(names, dtype=np.uint8), **arrays)
        os.replace(tmp, target)
    for stale in index_dir.glob(FACETS_FILE.format("*")):
        if stale.name not in live:
            stale.unlink(missing_ok=True)


def load_segment_facets(index_dir: Path, key: str) -> SegmentFacets | None:
    """The saved facet pairs of segment ``key``; None when absent or unreadable (they are then recomputed)."""
    try:
        with np.load(index_dir / FACETS_FILE.format(key)) as saved:
            names = json.loads(saved["names"].tobytes().decode("utf-8"))
            return {f: (names[f], saved[f"{f}.docs"], saved[f"{f}.codes"]) for f in FACET_ORDER}
    except (OSError, ValueError, KeyError):
        return None


_DATED = build_schema()["dated"].to_column_value(1)


def _read_segment_dates(reader: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    dated = numeric_column(reader.column_reader("dated", translate=False), n) == _DATED
    dates = numeric_column(reader.column_reader("date", translate=False), n)
    return dated, np.where(dated, dates, 0).astype(np.int64)


_LENGTHS = np.array([byte_to_length(code) if code else 0 for code in range(256)], dtype=np.float64)


def _read_segment_lengths(reader: Any, field: str, n: int) -> np.ndarray:
    """One segment's length bytes of ``field`` (Whoosh keeps them in a hidden per-document column)."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and perdoc.has_column(_lenfield(field)):
        return numeric_column(perdoc.column_reader(_lenfield(field), LENGTHS_COLUMN), n).astype(np.uint8)
    lengths = (reader.doc_field_length(d, field) or 0 for d in range(n))
    return np.fromiter((length_to_byte(v) for v in lengths), dtype=np.uint8, count=n)


def _date_value(day: dt.date, time: dt.time) -> int:
    return int(_DATE_FIELD.to_column_value(dt.datetime.combine(day, time)))


_DATE_FIELD = build_schema()["date"]


class Snapshot:
    """One committed generation: its searcher, live-document mask, dates, facet pairs and a term cache.

    Matching is evaluated on boolean masks built from whole posting lists, which
    is what facet counts over *all* matches need anyway; Whoosh scores only the
    page of hits.  Everything here is immutable for the generation, so it is
    dropped as a whole when the index changes.
    """

    def __init__(self, searcher: Searcher, segment_cache: dict[str, Any], saved_in: Path | None = None) -> None:
        self.searcher = searcher
        self.leaves = _leaves(searcher)
        self.size = searcher.reader().doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        self.dated = np.zeros(self.size, dtype=bool)
        self.dates = np.zeros(self.size, dtype=np.int64)  # Whoosh's sortable column values; 0 when undated
        for reader, offset in self.leaves:
            if reader.has_deletions():
                gone = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                self.live[gone + offset] = False
            n = reader.doc_count_all()
            key = _segment_key(reader)
            cached = segment_cache.get(f"dates:{key}") if key else None
            if cached is None:
                cached = _read_segment_dates(reader, n)
                if key:
                    segment_cache[f"dates:{key}"] = cached
            self.dated[offset : offset + n], self.dates[offset : offset + n] = cached
        self.columns = FacetColumns(searcher, segment_cache, saved_in)
        self.columns.size = self.size
        self._segment_cache = segment_cache
        self._lengths: dict[str, np.ndarray] = {}
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_ids = 0
        self._phrases: OrderedDict[tuple[str, tuple[str, ...]], dict[str, frozenset[int]]] = OrderedDict()
        self._phrase_ids = 0
        self._lock = Lock()

    # -- matching ----------------------------------------------------------------
    def term_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums containing ``text`` in ``field`` (deleted ones included) and their weights, LRU-cached."""
        key = (field, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = self._read_term(field, text)
        with self._lock:
            self._postings[key] = found
            self._cached_ids += len(found[0])
            while self._cached_ids > POSTINGS_CACHE_IDS and len(self._postings) > 1:
                _, (old, _) = self._postings.popitem(last=False)
                self._cached_ids -= len(old)
        return found

    def term_docs(self, field: str, text: str) -> np.ndarray:
        return self.term_postings(field, text)[0]

    def _read_term(self, field: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = [], []
        for reader, offset in self.leaves:
            if (field, text) in reader:
                leaf_ids, leaf_weights = _leaf_postings(reader.postings(field, text))
                ids.append(leaf_ids + offset)
                weights.append(leaf_weights)
        if not ids:
            return np.empty(0, np.int32), np.empty(0, np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    def field_lengths(self, field: str) -> np.ndarray:
        """Each document's length in ``field`` as Whoosh's scorer sees it (decoded from its one-byte form)."""
        with self._lock:
            found = self._lengths.get(field)
        if found is not None:
            return found
        codes = np.zeros(self.size, dtype=np.uint8)
        for reader, offset in self.leaves:
            n = reader.doc_count_all()
            key = _segment_key(reader)
            cached = self._segment_cache.get(f"len-{field}:{key}") if key else None
            if cached is None:
                cached = _read_segment_lengths(reader, field, n)
                if key:
                    self._segment_cache[f"len-{field}:{key}"] = cached
            codes[offset : offset + n] = cached
        found = _LENGTHS[codes]
        with self._lock:
            self._lengths[field] = found
        return found

    def phrase_docs(self, field: str, words: tuple[str, ...]) -> dict[str, frozenset[int]] | None:
        """Per segment, the local docnums (live ones) where ``words`` occur in a row; None: leave it to Whoosh.

        Candidates are the documents with every word (numpy AND of the posting
        lists); positions are read for those documents only.  Cached for scoring.
        """
        key = (field, words)
        with self._lock:
            found = self._phrases.get(key)
            if found is not None:
                self._phrases.move_to_end(key)
                return found
        schema = self.searcher.schema
        if not words or field not in schema or not schema[field].format.supports("positions"):
            return None
        if any(_segment_key(reader) is None for reader, _ in self.leaves):
            return None
        candidates = self.live.copy()
        for word in dict.fromkeys(words):
            candidates &= self._mask_of(self.term_docs(field, word))
        fmt = schema[field].format
        decode = _decode_positions if type(fmt) is formats.Positions else fmt.decoder("positions")
        found = {}
        for reader, offset in self.leaves:
            local = np.flatnonzero(candidates[offset : offset + reader.doc_count_all()]).tolist()
            hits: list[int] = []
            if local:
                matchers = [reader.postings(field, word) for word in words]
                for doc in local:
                    starts: set[int] | None = None
                    for k, m in enumerate(matchers):
                        m.skip_to(doc)
                        positions = decode(m.value())
                        starts = set(positions) if starts is None else _phrase_starts(starts, k, positions)
                        if not starts:
                            break
                    if starts:
                        hits.append(doc)
            found[_segment_key(reader)] = frozenset(hits)
        with self._lock:
            if key not in self._phrases:
                self._phrases[key] = found
                self._phrase_ids += sum(len(docs) for docs in found.values())
            while len(self._phrases) > 1 and (len(self._phrases) > PHRASE_CACHE or self._phrase_ids > PHRASE_CACHE_IDS):
                _, old = self._phrases.popitem(last=False)
                self._phrase_ids -= sum(len(docs) for docs in old.values())
        return found

    def forget_phrases(self) -> None:
        with self._lock:
            self._phrases.clear()
            self._phrase_ids = 0

    def phrase_mask(self, field: str, words: tuple[str, ...]) -> np.ndarray | None:
        """Mask of the documents with the (stemmed) ``words`` in a row in ``field``; None: leave it to Whoosh."""
        found = self.phrase_docs(field, words)
        if found is None:
            return None
        mask = np.zeros(self.size, dtype=bool)
        for reader, offset in self.leaves:
            local = found[_segment_key(reader)]  # type: ignore[index]
            if local:
                mask[np.fromiter(local, dtype=np.int64, count=len(local)) + offset] = True
        return mask

    def _phrase_mask(self, node: Phrase) -> np.ndarray | None:
        words = tuple(stem(w) for w in node.words)
        mask = np.zeros(self.size, dtype=bool)
        for field in _text_fields(node.field):
            found = self.phrase_mask(field, words)
            if found is None:
                return None
            mask |= found
        return mask

    def _prefix_mask(self, node: Term) -> np.ndarray | None:
        """OR of the posting lists of the lexicon's terms starting with the prefix (what Whoosh's Prefix expands to)."""
        fields_ = _text_fields(node.field)
        if not node.text or any(f not in self.searcher.schema for f in fields_):
            return None
        reader = self.searcher.reader()
        mask = np.zeros(self.size, dtype=bool)
        for field in fields_:
            for btext in reader.expand_prefix(field, node.text):
                if btext:
                    mask[self._read_term(field, btext)[0]] = True
        return mask

    def _mask_of(self, docnums: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[docnums] = True
        return mask

    def match(self, node: Node) -> np.ndarray:
        """Boolean mask of the live documents matching ``node`` (exactly what Whoosh would match)."""
        return self._match(node) & self.live

    def _match(self, node: Node) -> np.ndarray:
        if isinstance(node, MatchAll):
            return self.live.copy()
        if isinstance(node, Term) and not node.prefix:
            term = stem(node.text)
            return self._mask_of(np.concatenate([self.term_docs(f, term) for f in _text_fields(node.field)]))
        if isinstance(node, FacetValue):
            return self._mask_of(self.term_docs(node.field, node.value))
        if isinstance(node, DateRange):
            mask = self.dated.copy()
            if node.start:
                mask &= self.dates >= _date_value(node.start, dt.time())
            if node.end:
                mask &= self.dates <= _date_value(node.end, dt.time(23, 59, 59))
            return mask
        if isinstance(node, And):
            mask = self._match(node.children[0])
            for child in node.children[1:]:
                if not mask.any():
                    break
                mask &= self._match(child)
            return mask
        if isinstance(node, Or):
            mask = self._match(node.children[0])
            for child in node.children[1:]:
                mask |= self._match(child)
            return mask
        if isinstance(node, Not):
            return ~self._match(node.child)
        mask = None
        if isinstance(node, Phrase):
            mask = self._phrase_mask(node)
        elif isinstance(node, Term):
            mask = self._prefix_mask(node)
        if mask is not None:
            return mask
        # Otherwise (no segment ids, fields without positions, empty prefix): Whoosh's own matchers.
        return self._mask_of(np.fromiter(self.searcher.docs_for_query(to_whoosh(node)), dtype=np.int64))

    def ids(self, docnums: Iterable[int]) -> list[str]:
        return [self.searcher.stored_fields(int(d))["id"] for d in docnums]

    def close(self) -> None:
        self.searcher.close()


# -- the engine ---------------------------------------------------------------------------
MERGE_FACTOR = 8  # segments of one size tier that trigger merging them into one


def tiered_merge(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: once ``MERGE_FACTOR`` segments share a size tier (powers of the factor), merge them.

    Whoosh's default policy merges on almost every small commit and rewrites the
    postings in Python each time; batched ingest commits large segments, so here
    each document is rewritten only about log8(N / batch) times, and the number of
    segments (which every term lookup visits) stays logarithmic too.
    """
    from whoosh.reading import SegmentReader

    group = _segments_to_merge(segments)
    for segment in group:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in group]


def _segments_to_merge(segments: list[Any]) -> list[Any]:
    """The smallest size tier holding ``MERGE_FACTOR`` segments or more (none: an empty list)."""
    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        tiers.setdefault(int(math.log(max(segment.doc_count_all(), 1), MERGE_FACTOR)), []).append(segment)
    return next((tiers[tier] for tier in sorted(tiers) if len(tiers[tier]) >= MERGE_FACTOR), [])


SEGMENT_DOCS = 25_000  # documents a writer holds before it commits them as one segment (~640 MB at flush)


class WhooshWriter(IndexWriter):
    """Writes through :class:`FastSegmentWriter`, which keeps a segment's postings in memory.

    So that memory stays bounded, a batch larger than ``SEGMENT_DOCS`` documents (a rebuild, a
    sync of a whole store) is committed in parts of that size: a rebuild's index is published
    only once complete, and an ingest marks articles indexed only after the final commit.
    """

    segment_writer: Callable[[index.Index], Any] = FastSegmentWriter  # tests compare it with Whoosh's own

    def __init__(self, ix: index.Index, path: Path, *, fresh: bool) -> None:
        self._ix = ix
        self._path = path
        self._writer = self.segment_writer(ix)
        self._fresh = fresh
        self._buffered = 0

    def add(self, doc: IndexDoc) -> None:
        values = _doc_fields(doc)
        if self._fresh:
            self._writer.add_document(**values)
        else:
            self._writer.update_document(**values)
        self._buffered += 1
        if self._buffered >= SEGMENT_DOCS:
            self.commit()
            self._writer = self.segment_writer(self._ix)
            self._buffered = 0

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def commit(self) -> None:
        """The new documents become a segment of their own; merges follow as commits of their own.

        A commit that both writes new documents and merges would have to interleave, term by
        term, the new postings with the merged segments' blocks; apart, the new segment is written
        in bulk and the merge only copies blocks.
        """
        self._writer.commit(mergetype=NO_MERGE)
        while _segments_to_merge(self._ix._segments()):
            self.segment_writer(self._ix).commit(mergetype=tiered_merge)
        with self._ix.searcher() as searcher:
            save_segment_facets(self._path, searcher)

    def cancel(self) -> None:
        self._writer.cancel()


def _storage(path: Path) -> FileStorage:
    """Index files read through file handles, not memory maps.

    With maps, Whoosh wraps each segment file in a ``BytesIO`` that copies it whole: a
    100k-article index then costs 1.2 GB of resident memory and 0.7 s to open.  Reading
    through the page cache instead takes 90 MB and 0.1 s, and queries are no slower.
    """
    return FileStorage(str(path), supports_mmap=False)


class WhooshEngine(Engine):
    name = "whoosh"

    def __init__(self, path: Path, ix: index.Index) -> None:
        super().__init__(path)
        self._ix = ix
        self._lock = Lock()
        self._snapshot: Snapshot | None = None
        self._segment_cache: dict[str, Any] = {}

    @classmethod
    def create(cls, path: Path) -> WhooshEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(path, _storage(path).create_index(build_schema()))

    @classmethod
    def open(cls, path: Path) -> WhooshEngine:
        if not index.exists_in(str(path)):
            raise FileNotFoundError(f"no Whoosh index in {path}")
        return cls(path, _storage(path).open_index())

    def writer(self, *, fresh: bool = False) -> WhooshWriter:
        return WhooshWriter(self._ix, self.path, fresh=fresh)

    def _current(self) -> Snapshot:
        """The arrays of the latest commit, rebuilt only when it changes (unchanged segments are reused)."""
        with self._lock:
            if self._snapshot is None or not self._snapshot.searcher.up_to_date():
                if self._snapshot is not None:
                    self._snapshot.close()
                searcher = self._ix.searcher()
                live_keys = {_segment_key(r) for r, _ in _leaves(searcher)}
                for key in list(self._segment_cache):
                    if key.rpartition(":")[2] not in live_keys:  # "<segment id>" or "<kind>:<segment id>"
                        del self._segment_cache[key]
                self._snapshot = Snapshot(searcher, self._segment_cache, self.path)
            return self._snapshot

    def doc_count(self) -> int:
        return self._current().searcher.doc_count()

    def search(self, q: EngineQuery) -> EngineResult:
        snap = self._current()
        columns = snap.columns
        base = snap.match(q.node)
        wanted = {facet: columns.having(facet, values) for facet, values in q.filters.items() if values}
        matched = base
        for mask in wanted.values():
            matched = matched & mask
        total = int(np.count_nonzero(matched))

        facets: dict[str, list[tuple[str, int]]] = {}
        for facet in q.facets:
            docs = base
            for other, mask in wanted.items():
                if other != facet:
                    docs = docs & mask
            facets[facet] = columns.count(facet, docs, q.facet_limit)

        hits: list[tuple[str, float]] = []
        if q.limit > 0 and total > q.offset:
            scores = Ranker(snap).scores(q.node) if q.sort == "relevance" else None
            if scores is not None:
                page = top_docnums(scores, matched, q.offset, q.limit)
                hits = list(zip(snap.ids(page), scores[page].tolist(), strict=True))
            elif q.sort == "relevance":  # a part only Whoosh can score
                results = snap.searcher.search(
                    to_whoosh(q.node),
                    limit=q.offset + q.limit,
                    filter=set(np.flatnonzero(matched).tolist()) if wanted else None,
                )
                for hit in results[q.offset : q.offset + q.limit]:
                    hits.append((hit["id"], float(hit.score or 0.0)))
            else:
                # Whoosh's order for sortedby (dated first, then date, ties by docnum), without its per-match loop.
                docnums = np.flatnonzero(matched)
                dates = snap.dates[docnums]
                order = np.lexsort((docnums, -dates if q.sort == "newest" else dates, ~snap.dated[docnums]))
                page = docnums[order[q.offset : q.offset + q.limit]]
                hits = [(doc_id, 0.0) for doc_id in snap.ids(page)]
        return EngineResult(total=total, hits=hits, facets=facets)

    def similar(self, text: str, *, limit: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        searcher = self._current().searcher
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
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
            self._segment_cache.clear()
        self._ix.close()
