"""The fast ways of cutting words give exactly the words of the one-class definition."""

import random
import re
import sys

import pytest

from index.analysis import TOKEN_PATTERN, TOKEN_RE, lower, lowercase_words, tokens, word_bytes

REFERENCE = re.compile(TOKEN_PATTERN)  # one character class holding every word character

TRICKY = [
    "Plain ASCII, with 3 numbers and under_scores.",
    "“Curly quotes” — dashes – and it’s an apostrophe…",
    "Café déjà vu: Ünïcödé ÉLAN in Jisr al-Shughur",
    "ΟΔΟΣ and ΟΔΟΣ. ΣΊΣΥΦΟΣ ends in a capital sigma",  # per-character lowercasing keeps σ
    "İstanbul İZMİR",  # lowercases to two characters
    "Math 𝐀𝐁𝐂 letters, 𠀀 ideographs and emoji 🎉 beside words",
    "soft\u00adhyphen zero\u200bwidth joiner\u200dhere",
    "हिन्दी समाचार and עִבְרִית points, ３½ fullwidth",
    "separators\x1c\x1fand\u00a0no-break\u2028line\u3000ideographic space, a lone \ud800 surrogate",
]


def _reference_words(text: str) -> list[str]:
    return [lower(word) for word in REFERENCE.findall(text)]


def _reference_bytes(text: str) -> list[bytes]:
    return [word.encode("utf-8", "surrogatepass") for word in _reference_words(text)]


def test_split_pattern_matches_the_same_spans_on_every_character():
    every_char = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert [m.span() for m in TOKEN_RE.finditer(every_char)] == [m.span() for m in REFERENCE.finditer(every_char)]


@pytest.mark.parametrize("text", TRICKY)
def test_words_equal_the_reference(text):
    assert lowercase_words(text) == _reference_words(text)
    assert word_bytes(text) == _reference_bytes(text)
    assert list(tokens(text)) == [(lower(m.group()), m.start(), m.end()) for m in REFERENCE.finditer(text)]


def test_words_of_random_mixed_text_equal_the_reference():
    alphabet = "aZ9 ,’“—éÉΣσςİıßﬁ𝐀🎉\u0301\u093f\u05b0\u00a0\x1f\t_-" + "".join(chr(c) for c in range(0x370, 0x3D0))
    rng = random.Random(7)
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert lowercase_words(text) == _reference_words(text), text
        assert word_bytes(text) == _reference_bytes(text), text
