"""How text becomes terms, defined once for every engine and for highlighting.

Text is split on ``\\w+``, lowercased, stop words are kept (so phrases such as
"Islamic State" or "the Observatory" stay exact) and words are stemmed with
Snowball English (Porter2).  The Whoosh engine plugs the same stemmer into its
analyzer; the tantivy engine receives text already analysed by these functions
(tantivy's own stemmer differs on a few hundred common words), and the
highlighter uses them too, so what is marked is exactly what matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from whoosh.lang.snowball.english import EnglishStemmer

TOKEN_PATTERN = r"\w+"
TOKEN_RE = re.compile(TOKEN_PATTERN)
_STEMMER = EnglishStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lowercased word (cached: news vocabulary repeats a lot)."""
    return _STEMMER.stem(word)


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(lowercased word, start, end) for every word in ``text``."""
    for match in TOKEN_RE.finditer(text):
        yield match.group().lower(), match.start(), match.end()


def analyse(text: str) -> list[str]:
    """The stemmed terms of ``text`` in order."""
    return [stem(word) for word, _, _ in tokens(text)]
