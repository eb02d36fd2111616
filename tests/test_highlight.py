"""Highlighting marks what matched (stems, phrases, prefixes) and escapes everything else."""

import json
import re
import sys

from index.analysis import WORD_CHARS, lowercase_words, stem
from search.highlight import Highlighter, _root
from search.query import parse_query
from tests.conftest import FAKES, SEEDS


def test_marks_stemmed_matches_and_escapes():
    h = Highlighter(parse_query("airstrikes"))
    assert h.mark('An <b>airstrike</b> & "more"') == (
        "An &lt;b&gt;<mark>airstrike</mark>&lt;/b&gt; &amp; &quot;more&quot;"
    )


def test_phrase_marked_only_where_whole_phrase_occurs():
    h = Highlighter(parse_query('"Islamic State"'))
    assert h.mark("Islamic State fighters; the State said; Islamic groups") == (
        "<mark>Islamic State</mark> fighters; the State said; Islamic groups"
    )


def test_prefix_and_field_restriction():
    assert "<mark>Konashenkov</mark>" in Highlighter(parse_query("Konash*")).mark("Igor Konashenkov said")
    title_only = parse_query("title:Idlib")
    assert Highlighter(title_only, "body").mark("Idlib") == "Idlib"
    assert Highlighter(title_only, "title").mark("Idlib") == "<mark>Idlib</mark>"


def test_negated_words_are_not_marked():
    assert Highlighter(parse_query("Idlib -Hama")).mark("Idlib and Hama") == "<mark>Idlib</mark> and Hama"


def test_snippet_centres_on_matches_and_is_short():
    text = (
        ("Filler sentence number one goes here. " * 20)
        + "Konashenkov denied the airstrikes. "
        + ("More filler text follows after that. " * 20)
    )
    snippet = Highlighter(parse_query("Konashenkov airstrikes")).snippet(text, width=160)
    assert "<mark>Konashenkov</mark>" in snippet and "<mark>airstrikes</mark>" in snippet
    assert snippet.startswith("…") and len(snippet) < 400


def test_snippet_without_matches_is_the_opening():
    snippet = Highlighter(parse_query("")).snippet("First words. " * 50, width=50)
    assert snippet.startswith("First words.") and snippet.endswith("…") and "<mark>" not in snippet


def test_words_are_cut_as_the_engines_cut_them():
    """An underscore separates words, and letters with combining marks or fractions stay one word."""
    assert Highlighter(parse_query("ap")).mark("ap_sports") == "<mark>ap</mark>_sports"
    assert Highlighter(parse_query("sports")).mark("ap_sports") == "ap_<mark>sports</mark>"
    assert Highlighter(parse_query("3½")).mark("a 3½-mile walk") == "a <mark>3½</mark>-mile walk"
    assert Highlighter(parse_query("ΟΔΟΣ")).mark("η οδοσ, ΟΔΟΣ") == "η <mark>οδοσ</mark>, <mark>ΟΔΟΣ</mark>"
    assert Highlighter(parse_query("भाषा")).mark("हिन्दी भाषा") == "हिन्दी <mark>भाषा</mark>"  # a vowel sign
    assert Highlighter(parse_query("षा")).mark("भाषा") == "भाषा"  # the end of a word is no word


def test_every_word_starts_with_the_root_of_its_stem():
    """The highlighter looks only at words starting with a query stem's root: that must lose no word.

    Snowball English rewrites a stem's end only after "e", "i", "y" or "bl" ("skies" → "sky",
    "capability" → "capabl"); every other stem is a prefix of each word it comes from.
    """
    words = set("skies skis dying lying tying idly gently ugly early only singly news bias".split())
    words |= set("probabilities capability happily hopping hoping luxuriating valency generously".split())
    for path in SEEDS.glob("*.txt"):
        words.update(lowercase_words(path.read_text(encoding="utf-8")))
    for line in FAKES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        words.update(lowercase_words(f"{row.get('title', '')} {row.get('text', '')}"))
    assert len(words) > 5_000
    misses = [w for w in words if not w.startswith(_root(stem(w)))]
    assert misses == []
    assert _root("tax") == "tax" and _root("sky") == "s" and _root("capabl") == "capa"


def test_lowercasing_keeps_word_characters_word_characters():
    """The highlighter finds words in the lowercased text: lowercasing a character must not change
    whether it is a word character (checked for every character whose lowercase is one character)."""
    word = re.compile(f"[{WORD_CHARS}]")
    changed = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        low = char.lower()
        if low != char and len(low) == 1 and bool(word.match(char)) != bool(word.match(low)):
            changed.append(hex(code))
    assert changed == []


def test_short_stems_and_non_ascii_text():
    assert Highlighter(parse_query("tax")).mark("Taxes, a tax, attax taxi") == (
        "<mark>Taxes</mark>, a <mark>tax</mark>, attax taxi"
    )
    skies = Highlighter(parse_query("skies"))
    assert skies.mark("the sky, the skies") == "the <mark>sky</mark>, the <mark>skies</mark>"
    assert Highlighter(parse_query("strike")).mark("İdlib “STRIKES” — strike") == (
        "İdlib “<mark>STRIKES</mark>” — <mark>strike</mark>"
    )
