"""Whoosh's BM25F ranking, computed with numpy over whole posting lists.

Whoosh ranks by walking a tree of matchers one document at a time in Python,
which is what makes a broad query slow on a large archive (tens of microseconds
a match).  Here the scores of *all* of a query's matches are computed at once,
from the posting lists the engine already reads for matching (docnums and
weights), with the model and statistics of Whoosh's default searcher:

* a term: BM25F (B=0.75, K1=1.2) with Whoosh's idf and average field length
  over the whole index, the document's field length in Whoosh's one-byte form,
  and the title's field boost inside the weight; unscored fields give the weight;
* a prefix, per segment: the sum of the scores of the terms it expands to there
  (Whoosh asks its ``Or`` for a constant score, which only the preloading
  matcher honours: 1.0 for three or more expansions in a segment of at most
  5,000 documents, or for 1,024 or more expansions);
* what Whoosh scores as a constant: 1.0 for "everything" and for a date range,
  2.0 for a NOT (an "everything" and an inverse matcher);
* a phrase: the sum of its words' scores, as Whoosh's span matcher sums them;
* AND and OR: the sum of their parts' scores.

Sums are added in the order of Whoosh's balanced binary matcher trees.  Whoosh
builds AND trees by estimated sizes, so a sum of three or more parts can differ
in its last bit; ranks therefore compare scores rounded to 1e-9, and ties go to
the lower docnum as in Whoosh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from whoosh.query import Or as WhooshOr

from index.analysis import stem
from search.query import And, DateRange, FacetValue, MatchAll, Node, Not, Or, Phrase, Term

if TYPE_CHECKING:
    from index.whoosh_engine import Snapshot

B = 0.75  # whoosh.scoring.BM25F defaults: the engine's searchers use that model as it comes
K1 = 1.2
_TEXT_FIELDS = ("title", "body")
RANK_DECIMALS = 9
_PRELOAD_MAX_DOCS = 5000  # whoosh.query.compound.Or: segments this small preload their matches (unscored)


class Unsupported(Exception):
    """This query part can only be scored by Whoosh itself (e.g. a segment without an id)."""


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Sum in the order of ``whoosh.util.make_binary_tree``: halves first, then their sum."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


class Ranker:
    """Scores of one query over every document of a snapshot (0.0 where the query does not match)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snap = snapshot
        self.searcher = snapshot.searcher
        self.schema = snapshot.searcher.schema

    def scores(self, node: Node) -> np.ndarray | None:
        """Each document's score for ``node``, meaningful where it matches; None when Whoosh must score it.

        The caller reads only the scores of the matches it already has, so the top level of the
        query is not masked again (an AND inside an OR still is: its partial sums must not count).
        """
        try:
            return self._score(node, top=True)
        except Unsupported:
            return None

    def _const(self, mask: np.ndarray, value: float = 1.0) -> np.ndarray:
        return np.where(mask, value, 0.0)

    def _fields(self, field: str | None) -> tuple[str, ...]:
        return _TEXT_FIELDS if field is None else (field,)

    def _score(self, node: Node, top: bool = False) -> np.ndarray:
        snap = self.snap
        if isinstance(node, MatchAll):
            return self._const(snap.live)
        if isinstance(node, Term):
            if node.prefix:
                return _tree_sum([self._prefix(f, node.text) for f in self._fields(node.field)])
            return _tree_sum([self.term(f, stem(node.text)) for f in self._fields(node.field)])
        if isinstance(node, Phrase):
            words = [stem(w) for w in node.words]
            return _tree_sum([self._phrase(f, words) for f in self._fields(node.field)])
        if isinstance(node, FacetValue):
            return self.term(node.field, node.value)
        if isinstance(node, DateRange):
            return self._const(snap.match(node))
        if isinstance(node, Not):
            return self._const(snap.live & ~snap.match(node.child), 2.0)
        if isinstance(node, Or):
            return _tree_sum([self._score(c) for c in node.children])
        if isinstance(node, And):
            parts = [self._score(c) for c in node.children]
            if all(isinstance(c, Not) for c in node.children):
                parts.insert(0, self._const(snap.live))
            total = _tree_sum(parts)
            return total if top else np.where(snap.match(node), total, 0.0)
        raise Unsupported(repr(node))

    def term(self, field: str, text: str) -> np.ndarray:
        """BM25F of one term in one field for the documents holding it."""
        out = np.zeros(self.snap.size)
        ids, values = self._term_values(field, text)
        out[ids] = values
        return out

    def _term_values(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        if field not in self.schema:
            return np.empty(0, np.int32), np.empty(0)
        ids, weights = self.snap.term_postings(field, text)
        field_obj = self.schema[field]
        tf = weights.astype(np.float64)
        if not len(ids) or not field_obj.scorable:
            return ids, tf
        idf = self.searcher.idf(field, field_obj.to_bytes(text))
        avgfl = self.searcher.avg_field_length(field) or 1
        fl = self.snap.field_lengths(field)[ids]
        # Whoosh's bm25(), operation for operation, so the floats come out the same.
        return ids, idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _prefix(self, field: str, prefix: str) -> np.ndarray:
        """Whoosh's ``Prefix``, segment by segment, with the matcher its ``Or`` picks there (see module doc)."""
        if field not in self.schema or not prefix:
            raise Unsupported(f"{field}:{prefix}*")
        out = np.zeros(self.snap.size)
        for reader, offset in self.snap.leaves:
            expansions = [btext.decode("utf-8") for btext in reader.expand_prefix(field, prefix) if btext]
            size = reader.doc_count_all()
            constant = len(expansions) >= WhooshOr.TOO_MANY_CLAUSES or (
                len(expansions) > 2 and size <= _PRELOAD_MAX_DOCS
            )
            for text in expansions:
                ids, values = self._term_values(field, text)
                start, stop = np.searchsorted(ids, (offset, offset + size))  # docnums ascend segment by segment
                if constant:
                    out[ids[start:stop]] = 1.0
                else:
                    out[ids[start:stop]] += values[start:stop]  # a term's docnums are distinct: a vector add
        return out

    def _phrase(self, field: str, words: list[str]) -> np.ndarray:
        mask = self.snap.phrase_mask(field, tuple(words))
        if mask is None:
            raise Unsupported(f'{field}:"{" ".join(words)}"')
        if not mask.any():
            return np.zeros(self.snap.size)
        return np.where(mask, _tree_sum([self.term(field, w) for w in words]), 0.0)


def top_docnums(scores: np.ndarray, matched: np.ndarray, offset: int, limit: int) -> np.ndarray:
    """The docnums of ranks ``offset`` … ``offset + limit`` among ``matched``: best score first, then lowest docnum."""
    docnums = np.flatnonzero(matched)
    keys = np.round(scores[docnums], RANK_DECIMALS)
    wanted = offset + limit
    if len(docnums) > wanted:  # keep the top ``wanted`` keys and everything tied with the last of them
        cutoff = np.partition(keys, len(keys) - wanted)[len(keys) - wanted]
        keep = keys >= cutoff
        docnums, keys = docnums[keep], keys[keep]
    order = np.lexsort((docnums, -keys))
    return docnums[order[offset:wanted]]
