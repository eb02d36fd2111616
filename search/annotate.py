"""An article's paragraphs as HTML: the query's words marked, actors and places tagged.

Query matches come from :class:`search.highlight.Highlighter` (so the article
page marks exactly what the search matched); entity spans come from the
article's stored mentions.  Both may overlap, so the text is cut at every
boundary and re-assembled with entity links outside and ``<mark>`` inside.
Every character of the article is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from newsdex.models import Article, Mention
from search.highlight import Highlighter

EntityLink = Callable[[str, str], str]  # (facet, canonical value) → URL that filters on it


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


def paragraphs(text: str) -> list[Paragraph]:
    """Paragraph spans of ``text`` (blank-line separated, as the store keeps them)."""
    spans = []
    for match in re.finditer(r"(?:(?!\n\n)[\s\S])+", text):
        if match.group().strip():
            spans.append(Paragraph(match.start(), match.end()))
    return spans


def entity_spans(article: Article) -> list[tuple[int, int, Mention]]:
    """Non-overlapping mention spans in ``article.text``.

    Offsets are trusted only where they point at the mention's own text; otherwise (older
    extractors, offsets into the title) the surface form is found by a whole-word search.
    """
    found: list[tuple[int, int, Mention]] = []
    searched: list[Mention] = []
    text = article.text
    for m in article.mentions:
        if 0 <= m.start < m.end <= len(text) and text[m.start : m.end] == m.text:
            found.append((m.start, m.end, m))
        elif m.text:
            searched.append(m)
    for m in {(m.text, m.canonical): m for m in searched}.values():
        for hit in re.finditer(rf"(?<!\w){re.escape(m.text)}(?!\w)", text):
            found.append((hit.start(), hit.end(), m))
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    chosen: list[tuple[int, int, Mention]] = []
    for span in found:
        if not chosen or span[0] >= chosen[-1][1]:
            chosen.append(span)
    return chosen


def render(
    text: str,
    start: int,
    end: int,
    marks: list[tuple[int, int]],
    entities: list[tuple[int, int, Mention]],
    link: EntityLink | None = None,
) -> str:
    """``text[start:end]`` as HTML with ``marks`` (absolute spans) and entity spans applied."""
    cuts = {start, end}
    for s, e in marks:
        cuts.update(x for x in (s, e) if start < x < end)
    for s, e, _ in entities:
        cuts.update(x for x in (s, e) if start < x < end)
    points = sorted(cuts)
    out: list[str] = []
    open_entity: tuple[int, int, Mention] | None = None
    for a, b in pairwise(points):
        entity = next((ent for ent in entities if ent[0] <= a and b <= ent[1]), None)
        if entity is not open_entity:
            if open_entity is not None:
                out.append("</a>" if link else "</span>")
            if entity is not None:
                out.append(_open_entity(entity[2], link))
            open_entity = entity
        piece = escape(text[a:b])
        if any(s <= a and b <= e for s, e in marks):
            piece = f"<mark>{piece}</mark>"
        out.append(piece)
    if open_entity is not None:
        out.append("</a>" if link else "</span>")
    return "".join(out)


def _open_entity(m: Mention, link: EntityLink | None) -> str:
    facet = "location" if m.is_place else "actor"
    label = "Location" if m.is_place else "Actor"
    kind = m.kind.replace("_", " ")
    title = escape(f"{label}: {m.canonical} ({kind})")
    css = f"ent ent-{facet}"
    if link is None:
        return f'<span class="{css}" title="{title}">'
    return f'<a class="{css}" href="{escape(link(facet, m.canonical))}" title="{title}">'


def annotated_paragraphs(
    article: Article, highlighter: Highlighter | None = None, link: EntityLink | None = None
) -> list[str]:
    """One HTML string per paragraph of the article's text."""
    text = article.text
    marks = highlighter.spans(text) if highlighter else []
    entities = entity_spans(article)
    out = []
    for p in paragraphs(text):
        p_marks = [(s, e) for s, e in marks if s >= p.start and e <= p.end]
        p_entities = [x for x in entities if x[0] >= p.start and x[1] <= p.end]
        out.append(render(text, p.start, p.end, p_marks, p_entities, link))
    return out
