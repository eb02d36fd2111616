"""How text becomes terms, defined once for every engine and for highlighting.

Text is split on ``\\w+``, lowercased, stop words are kept (so phrases such as
"Islamic State" or "the Observatory" stay exact) and words are stemmed with
Snowball English (Porter2) as compiled from the Snowball project by PyStemmer:
the reference algorithm, the same one tantivy's stemmer implements, and about
seven times faster than a pure-Python stemmer on a cold cache.  (Whoosh's own
Snowball port is an older revision that conflates "organization" with "organ"
and "added" with "ad".)  The Whoosh engine plugs this stemmer into its
analyzer; the tantivy engine receives text already analysed by these functions,
and the highlighter uses them too, so what is marked is exactly what matched.

``ANALYSIS`` names this analysis; every index records it and refuses to open
under another one, because terms stemmed differently would silently not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer

TOKEN_PATTERN = r"\w+"
TOKEN_RE = re.compile(TOKEN_PATTERN)
_STEMMER = Stemmer.Stemmer("english")
# A new stemmer release may stem a few words differently: that too asks for a rebuild.
ANALYSIS = f"newsdex-analysis 2: \\w+, lowercase, snowball english (PyStemmer {Stemmer.version()})"


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lowercased word (cached: news vocabulary repeats a lot)."""
    return _STEMMER.stemWord(word)


_ASCII_TOKEN_RE = re.compile(TOKEN_PATTERN, re.ASCII)


def lowercase_words(text: str) -> list[str]:
    """The lowercased words of ``text``, as :func:`tokens` finds them.

    ASCII text is lowercased whole before it is split (that changes neither its words nor their
    boundaries) and split with an ASCII pattern: much faster on long texts.
    """
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text.lower())
    return [word.lower() for word in TOKEN_RE.findall(text)]


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(lowercased word, start, end) for every word in ``text``."""
    for match in TOKEN_RE.finditer(text):
        yield match.group().lower(), match.start(), match.end()


def analyse(text: str) -> list[str]:
    """The stemmed terms of ``text`` in order."""
    return [stem(word) for word, _, _ in tokens(text)]
