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

from index.word_chars import class_body, parse_ranges

_SPANS = parse_ranges()
WORD_CHARS = class_body(_SPANS)  # the body of a character class: [WORD_CHARS] is one word character
TOKEN_PATTERN = f"[{WORD_CHARS}]+"

# One word character, matched about ten times faster than by [WORD_CHARS] on news text with curly
# quotes.  Python's regex compiler turns a class of characters below U+10000 into a table lookup, but
# one that also holds higher ones into a list of ranges scanned at every character.  So the class is
# split, and the higher characters are looked up only where the text has one.
_BMP_WORD_CHARS = class_body([(a, min(b, 0xFFFF)) for a, b in _SPANS if a <= 0xFFFF])
_ASTRAL_WORD_CHARS = class_body([(max(a, 0x10000), b) for a, b in _SPANS if b > 0xFFFF])
WORD_CHAR_PATTERN = f"(?:[{_BMP_WORD_CHARS}]|(?=[\U00010000-\U0010ffff])[{_ASTRAL_WORD_CHARS}])"
TOKEN_RE = re.compile(f"{WORD_CHAR_PATTERN}+")
_BMP_TOKEN_RE = re.compile(f"[{_BMP_WORD_CHARS}]+")  # for texts without characters above U+FFFF
_ASTRAL_CHAR_RE = re.compile("[\U00010000-\U0010ffff]")  # finds one five times faster than max(text)
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


def _word_pattern(text: str) -> re.Pattern[str]:
    return TOKEN_RE if _ASTRAL_CHAR_RE.search(text) else _BMP_TOKEN_RE


def lowercase_words(text: str) -> list[str]:
    """The lowercased words of ``text``, as :func:`tokens` finds them.

    The text is lowercased whole before it is split when that is the same as lowercasing each
    character (no character becomes two, no capital sigma to turn final): lowercasing a character
    never changes whether it is a word character (tested on all of Unicode), so the words and
    their boundaries stay the same, and ASCII text is split with an ASCII pattern.
    """
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text.lower())
    lowered = _lowered_whole(text)
    if lowered is not None:
        return _word_pattern(lowered).findall(lowered)
    return [lower(word) for word in TOKEN_RE.findall(text)]


def _lowered_whole(text: str) -> str | None:
    """``text.lower()`` when that equals lowercasing it character by character (no character becomes
    two, no capital sigma to turn final), else None."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) and "Σ" not in text else None


# bytes.translate table: every ASCII byte that is no word character becomes a space; the bytes of
# UTF-8 sequences (0x80 and up) stay, their characters are dealt with before encoding.
_ASCII_BREAKS = bytes(c if c >= 0x80 or _ASCII_TOKEN_RE.match(chr(c)) else 0x20 for c in range(256))
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
_WORD_CHAR_RE = re.compile(WORD_CHAR_PATTERN)


@lru_cache(maxsize=10_000)
def _breaks_words(char: str) -> bool:
    return _WORD_CHAR_RE.match(char) is None


def word_bytes(text: str) -> list[bytes]:
    """:func:`lowercase_words`, UTF-8 encoded, in half the time (the indexer numbers words as bytes).

    The few distinct characters above ASCII that are no word characters are replaced by spaces, then
    the text is encoded, its other non-word bytes become spaces by one table lookup each, and
    ``bytes.split`` cuts the words: no regex walks the text and no str is made for a word.
    """
    lowered = _lowered_whole(text)
    if lowered is None:
        return [word.encode("utf-8") for word in lowercase_words(text)]
    if not lowered.isascii():
        for char in set(_NON_ASCII_RE.findall(lowered)):
            if _breaks_words(char):
                lowered = lowered.replace(char, " ")
    return lowered.encode("utf-8").translate(_ASCII_BREAKS).split()


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(lowercased word, start, end) for every word in ``text``."""
    for match in _word_pattern(text).finditer(text):
        yield lower(match.group()), match.start(), match.end()


def analyse(text: str) -> list[str]:
    """The stemmed terms of ``text`` in order."""
    return [stem(word) for word, _, _ in tokens(text)]
