""" "Did you mean": a likely spelling for query words the archive hardly contains.

The engine interface exposes no term dictionary, so the vocabulary is counted
from an even sample of the document store's titles and texts (at most
``VOCABULARY_SAMPLE`` articles, so a large archive's first search stays quick),
with the engines' own tokenizer, once per store size and process.  A word is suspect when the archive (almost)
never uses it; the suggestion is the closest much more frequent word of similar
length (:mod:`difflib`, no extra dependency).
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import Counter
from collections.abc import Iterable

from index.analysis import WORD_CHARS, tokens
from search.query import Term, parse_query, positive_terms

VOCABULARY_SAMPLE = 5_000  # articles read for word counts: enough for the words worth suggesting
MIN_SUGGESTION_COUNT = 3  # a correction must itself be a word the archive uses
RARE = 1  # a query word used at most this often is suspect
RATIO = 0.8

_lock = threading.Lock()
_cache: dict[tuple[str, int], Vocabulary] = {}


class Vocabulary:
    """Word frequencies of an archive, bucketed by length for quick candidate lookup."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self.by_length: dict[int, list[str]] = {}
        for word, n in counts.items():
            if n >= MIN_SUGGESTION_COUNT and not word.isdigit():
                self.by_length.setdefault(len(word), []).append(word)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(word for word, _, _ in tokens(text))
        return cls(counts)

    def correct(self, word: str) -> str | None:
        """The likely intended word for ``word``, or None when it is fine or nothing is close."""
        word = word.lower()
        if len(word) < 4 or word.isdigit() or self.counts.get(word, 0) > RARE:
            return None
        candidates = [w for n in range(len(word) - 2, len(word) + 3) for w in self.by_length.get(n, ())]
        close = difflib.get_close_matches(word, candidates, n=5, cutoff=RATIO)
        if not close:
            return None
        own = self.counts.get(word, 0)
        best = max(close, key=lambda w: (difflib.SequenceMatcher(None, word, w).ratio(), self.counts[w]))
        return best if self.counts[best] >= max(MIN_SUGGESTION_COUNT, 10 * own) else None


def vocabulary(store: object) -> Vocabulary:
    """The store's vocabulary, rebuilt only when the store's article count changes."""
    key = (str(getattr(store, "path", id(store))), store.count())  # type: ignore[attr-defined]
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = Vocabulary.from_texts(store.sample_texts(VOCABULARY_SAMPLE))  # type: ignore[attr-defined]
            _cache.clear()
            _cache[key] = found
    return found


_WORD_IN_QUERY = f"(?<![{WORD_CHARS}:]){{}}(?![{WORD_CHARS}])"  # a whole word as the analysis cuts words


def suggest(text: str, vocab: Vocabulary) -> str | None:
    """``text`` with each suspect free word replaced by its correction, or None when nothing changes.

    Fielded values (``actor:...``), phrases and prefixes are left alone: they are not spelling slips
    of running text, and facet values are corrected by their own alias tables.
    """
    try:
        node = parse_query(text)
    except ValueError:
        return None
    suggested = text
    for term in positive_terms(node):
        if not isinstance(term, Term) or term.field is not None or term.prefix:
            continue
        fix = vocab.correct(term.text)
        if fix and fix != term.text.lower():
            pattern = re.compile(_WORD_IN_QUERY.format(re.escape(term.text)), re.IGNORECASE)
            suggested = pattern.sub(fix, suggested, count=1)
    return suggested if suggested != text else None
