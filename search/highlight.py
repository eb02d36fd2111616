"""Highlighting that marks exactly what matched, the same way for every engine.

It analyses the text with the engines' own rules (:mod:`index.analysis`), so a
query for "airstrikes" marks "airstrike" too, and phrases are marked only where
the whole phrase occurs.  Output is HTML with every character of the source
escaped and matches wrapped in ``<mark>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from html import escape

from index.analysis import TOKEN_RE, WORD_CHAR_PATTERN, lower, stem
from search.query import Node, Phrase, Term, positive_terms

ELLIPSIS = "…"
_WORD_CHAR = re.compile(WORD_CHAR_PATTERN)
# The rest of a word in lowercased text: runs of ASCII letters and digits, and other word characters tried
# only on non-ASCII ones.
_LOWERCASE_WORD_TAIL = f"[0-9a-z]*(?:(?![\\x00-\\x7f]){WORD_CHAR_PATTERN}[0-9a-z]*)*"


class Highlighter:
    """Marks the query's words and phrases in text fields (title, body)."""

    def __init__(self, node: Node, field: str | None = None) -> None:
        self.words: set[str] = set()
        self.prefixes: list[str] = []
        self.phrases: list[tuple[str, ...]] = []
        for item in positive_terms(node):
            if item.field not in (None, field):
                continue
            if isinstance(item, Term):
                if item.prefix:
                    self.prefixes.append(item.text)
                else:
                    self.words.add(stem(item.text))
            elif isinstance(item, Phrase):
                self.phrases.append(tuple(stem(w) for w in item.words))

        roots = {_root(w) for w in self.words} | set(self.prefixes) | {_root(p[0]) for p in self.phrases}
        # Only words that start like a query stem can match; finding those with one regex and
        # stemming just them is what keeps highlighting ten long hits to a millisecond or two.
        ordered = sorted(roots, key=len, reverse=True)
        # Candidates are found in the lowercased text by a case-sensitive regex that starts with the roots
        # themselves, so the regex engine skips ahead to them; each root then looks behind it for a
        # letter or digit (every one of which is a word character).  A character class as large as the
        # analysis's word characters is slow under IGNORECASE and in a lookbehind tried at every position.
        # Lowercasing keeps every character a word character or not (a test checks all of Unicode), so the
        # words found there are the analysis's words at the same offsets.
        starts = "|".join(f"{_caseless_sigma(re.escape(r))}(?<![^\\W_]{'.' * len(r)})" for r in ordered)
        self._candidates = re.compile(f"(?:{starts}){_LOWERCASE_WORD_TAIL}", re.DOTALL) if roots else None
        self._ordered_roots = ordered

    @cached_property
    def _roots(self) -> re.Pattern[str]:
        """The roots in the original text, for the rare text whose lowercase is longer (a dotted capital I),
        so offsets would shift."""
        alternatives = "|".join(_caseless_sigma(re.escape(r)) for r in self._ordered_roots)
        return re.compile(rf"(?<![^\W_])(?:{alternatives})", re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.phrases)

    def _words(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, lowercased word) of the words of ``text``, as the analysis cuts them, that start
        with a root."""
        assert self._candidates is not None
        lowered = text.lower()
        if len(lowered) == len(text):
            check = not lowered.isascii()
            for found in self._candidates.finditer(lowered):
                start, end = found.span()
                if check and start and lowered[start - 1] > "\x7f" and _WORD_CHAR.match(lowered, start - 1):
                    continue  # inside a word, after a character Python's \w does not count (a vowel sign, say)
                word = found.group()
                yield start, end, lower(text[start:end]) if "ς" in word else word
            return
        for found in self._roots.finditer(text):
            start = found.start()
            if start and _WORD_CHAR.match(text, start - 1):
                continue
            token = TOKEN_RE.match(text, start)
            if token is not None:
                yield start, token.end(), lower(token.group())

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every match, in order, not overlapping."""
        if self._candidates is None:
            return []
        hits: set[tuple[int, int]] = set()
        words, prefixes, phrases = self.words, self.prefixes, self.phrases
        for start, end, word in self._words(text):
            term = stem(word)
            if term in words or (prefixes and any(word.startswith(p) for p in prefixes)):
                hits.add((start, end))
            for phrase in phrases:
                if term == phrase[0]:
                    hits.update(_phrase_at(text, (start, end), phrase))
        spans: list[tuple[int, int]] = []
        for start, end in sorted(hits):
            # Join adjacent marked words of a phrase ("<mark>Islamic State</mark>").
            if spans and text[spans[-1][1] : start].strip() == "" and _phrase_continues(text, spans[-1], start):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def mark(self, text: str) -> str:
        """The whole text as escaped HTML with matches marked."""
        return _render(text, self.spans(text), 0, len(text))

    def snippet(self, text: str, *, width: int = 220, fragments: int = 2) -> str:
        """Up to ``fragments`` passages of about ``width`` characters around the densest matches.

        With no match (a filter-only search) it returns the opening of the text.
        """
        spans = self.spans(text) if self else []
        if not spans:
            return _render(text, [], 0, _cut_end(text, width)) + (ELLIPSIS if len(text) > width else "")
        windows = _best_windows(text, spans, width, fragments)
        parts = []
        for start, end in windows:
            inside = [s for s in spans if s[0] >= start and s[1] <= end]
            piece = _render(text, inside, start, end)
            prefix = ELLIPSIS if start > 0 else ""
            suffix = ELLIPSIS if end < len(text) else ""
            parts.append(f"{prefix}{piece}{suffix}")
        return " ".join(parts)


def _root(term: str) -> str:
    """What every word stemming to ``term`` starts with.

    Snowball English only ever deletes a word's ending, except where its stem ends in "e", "i" or "y" (y to
    i, -ation to -ate, -ency to -ence, -ing to -e, "skies" to "sky") or in "bl" (-bility to -bl): then the
    last two characters may differ from the word's.  Checked on the 153,000 distinct words of the 100k
    benchmark corpus, and by a test on the bundled samples.
    """
    if term.endswith(("e", "i", "y", "bl")):
        return term[: max(1, len(term) - 2)]
    return term


def _caseless_sigma(pattern: str) -> str:
    """``pattern`` with either Greek small sigma standing for both: ``str.lower`` writes a word-final
    capital sigma as "ς" where the analysis writes "σ"."""
    return pattern.translate(_EITHER_SIGMA)


_EITHER_SIGMA = {ord("σ"): "[σς]", ord("ς"): "[σς]"}


def _phrase_at(text: str, first: tuple[int, int], phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    """The spans of ``phrase`` if it starts at the candidate word ``first``, else nothing."""
    found = [first]
    pos = first[1]
    for expected in phrase[1:]:
        nxt = TOKEN_RE.search(text, pos)
        if nxt is None or stem(lower(nxt.group())) != expected:
            return []
        found.append(nxt.span())
        pos = nxt.end()
    return found


def _phrase_continues(text: str, previous: tuple[int, int], start: int) -> bool:
    gap = text[previous[1] : start]
    return len(gap) <= 2 and "\n" not in gap


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out).replace("\n\n", " ¶ ").replace("\n", " ")


_BOUNDARY = re.compile(r"[.!?…]\s+|\n")


def _cut_end(text: str, limit: int) -> int:
    """An end position near ``limit`` that does not split a word."""
    if len(text) <= limit:
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > limit // 2 else limit


def _best_windows(text: str, spans: list[tuple[int, int]], width: int, fragments: int) -> list[tuple[int, int]]:
    """Windows that cover the most distinct matched words, preferring sentence starts."""
    scored = []
    lowered = [text[a:b].lower() for a, b in spans]
    for i, (s, _) in enumerate(spans):
        end_limit = s + width
        covered = set()
        for j in range(i, len(spans)):  # spans are ordered and disjoint: stop at the first past the window
            if spans[j][1] > end_limit:
                break
            covered.add(lowered[j])
        scored.append((len(covered), -i, s))
    scored.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for _, _, s in scored:
        start = _window_start(text, s, width)
        end = min(len(text), start + width)
        end = start + _cut_end(text[start:], end - start) if end < len(text) else end
        if any(not (end <= a or start >= b) for a, b in chosen):
            continue
        chosen.append((start, end))
        if len(chosen) == fragments:
            break
    return sorted(chosen)


def _window_start(text: str, match_start: int, width: int) -> int:
    """Start at the sentence holding the match when it is close, else a little before the match."""
    if match_start <= width // 3:
        return 0
    lookback = match_start - width // 3
    boundary = None
    for m in _BOUNDARY.finditer(text, lookback, match_start):
        boundary = m.end()
    if boundary is not None:
        return boundary
    space = text.find(" ", lookback, match_start)
    return space + 1 if space != -1 else lookback
