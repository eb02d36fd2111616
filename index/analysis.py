"""How text becomes terms, defined once for every engine and for highlighting.

A word is a run of the characters :mod:`index.word_chars` lists (Unicode letters and digits, as
Rust's ``char::is_alphanumeric`` has them), lowercased character by character, stop words kept (so
phrases such as "Islamic State" or "the Observatory" stay exact), and stemmed with Snowball English
(Porter2) as compiled from the Snowball project by PyStemmer: the reference algorithm, about seven
times faster than a pure-Python stemmer on a cold cache.  (Whoosh's own Snowball port is an older
revision that conflates "organization" with "organ" and "added" with "ad".)

These are exactly the rules of tantivy's ``simple`` tokenizer, lowercaser and English stemmer, so the
tantivy engine analyses natively, in Rust, what the Whoosh engine, the highlighter and the query side
analyse here (tests compare them word for word).

``ANALYSIS`` names this analysis; every index records it and refuses to open under another one, because
terms stemmed differently would silently not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer

from index.word_chars import char_class

WORD_CHARS = char_class()  # the body of a character class: [WORD_CHARS] is one word character
TOKEN_PATTERN = f"[{WORD_CHARS}]+"
TOKEN_RE = re.compile(TOKEN_PATTERN)
_STEMMER = Stemmer.Stemmer("english")
# A new stemmer release may stem a few words differently: that too asks for a rebuild.
ANALYSIS = (
    "newsdex-analysis 3: runs of alphanumerics, lowercased char by char,"
    f" snowball english (PyStemmer {Stemmer.version()})"
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lowercased word (cached: news vocabulary repeats a lot)."""
    return _STEMMER.stemWord(word)


_ASCII_TOKEN_RE = re.compile("[0-9A-Za-z]+")  # the word characters among ASCII ones


def lower(word: str) -> str:
    """``word`` lowercased one character at a time, as tantivy does.

    ``str.lower`` differs only by writing a word-final capital sigma as "ς"; per character it is "σ".
    """
    lowered = word.lower()
    return "".join(map(str.lower, word)) if "ς" in lowered and "Σ" in word else lowered


def lowercase_words(text: str) -> list[str]:
    """The lowercased words of ``text``, as :func:`tokens` finds them.

    ASCII text is lowercased whole before it is split (that changes neither its words nor their
    boundaries) and split with an ASCII pattern: much faster on long texts.
    """
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text.lower())
    return [lower(word) for word in TOKEN_RE.findall(text)]


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(lowercased word, start, end) for every word in ``text``."""
    for match in TOKEN_RE.finditer(text):
        yield lower(match.group()), match.start(), match.end()


def analyse(text: str) -> list[str]:
    """The stemmed terms of ``text`` in order."""
    return [stem(word) for word, _, _ in tokens(text)]
