"""Highlighting that marks exactly what matched, the same way for every engine.

It analyses the text with the engines' own rules (:mod:`index.analysis`), so a
query for "airstrikes" marks "airstrike" too, and phrases are marked only where
the whole phrase occurs.  Output is HTML with every character of the source
escaped and matches wrapped in ``<mark>``.
"""

from __future__ import annotations

import re
from html import escape

from index.analysis import stem, tokens
from search.query import Node, Phrase, Term, positive_terms

ELLIPSIS = "…"


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

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.phrases)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every match, in order, not overlapping.

        Plain lists rather than a token object per word: a page of ten long hits
        is tens of thousands of tokens, and this runs on every search.
        """
        toks = list(tokens(text))
        stems = [stem(word) for word, _, _ in toks]
        hit = [False] * len(toks)
        words, prefixes = self.words, self.prefixes
        for i, term in enumerate(stems):
            if term in words or (prefixes and any(toks[i][0].startswith(p) for p in prefixes)):
                hit[i] = True
        for phrase in self.phrases:
            n, first = len(phrase), phrase[0]
            for i in range(len(toks) - n + 1):
                if stems[i] == first and all(stems[i + k] == phrase[k] for k in range(1, n)):
                    for k in range(n):
                        hit[i + k] = True
        spans: list[tuple[int, int]] = []
        for (_, start, end), is_hit in zip(toks, hit, strict=True):
            if not is_hit:
                continue
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
