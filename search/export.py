"""Every match of a search, not just one page, as CSV rows or JSON Lines.

Exports page through :meth:`SearchService.search` (100 hits at a time, no
facets) so they work the same on every engine and never hold the whole
result in memory; callers stream the lines as they come.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from search.request import MAX_PER_PAGE, SearchQuery
from search.service import Hit

CSV_COLUMNS = ("id", "title", "outlet", "date", "date_provenance", "url", "actors", "locations", "score", "snippet")
_TAGS = re.compile(r"<[^>]+>")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_text(html: str) -> str:
    """Highlight HTML back to text (it only ever holds ``<mark>`` and escaped characters)."""
    from html import unescape

    return unescape(_TAGS.sub("", html))


def iter_hits(service: Any, q: SearchQuery, *, limit: int | None = None) -> Iterator[Hit]:
    """All hits of ``q`` in its sort order, from its first page on, up to ``limit``."""
    page = replace(q, page=1, per_page=MAX_PER_PAGE)
    sent = 0
    while True:
        result = service.search(page, facets=False)
        for hit in result.hits:
            yield hit
            sent += 1
            if limit is not None and sent >= limit:
                return
        if page.page >= result.pages or not result.hits:
            return
        page = page.with_page(page.page + 1)


def hit_record(hit: Hit, *, with_text: bool = False) -> dict[str, Any]:
    """One exported match: the API's hit fields with the snippet as plain text (and the text if asked)."""
    record = hit.to_json()
    record.pop("title_html", None)
    record["snippet"] = plain_text(record.pop("snippet_html", ""))
    if with_text:
        record["text"] = hit.article.text
    return record


def _safe_cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_lines(hits: Iterator[Hit], *, with_text: bool = False) -> Iterator[str]:
    """A header line, then one CSV line per hit; lists are joined with "; "."""
    columns = (*CSV_COLUMNS, "text") if with_text else CSV_COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(row: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield line(list(columns))
    for hit in hits:
        record = hit_record(hit, with_text=with_text)
        cells = []
        for column in columns:
            value = record.get(column)
            if isinstance(value, list):
                value = "; ".join(value)
            cells.append(_safe_cell("" if value is None else str(value)))
        yield line(cells)


def jsonl_lines(hits: Iterator[Hit], *, with_text: bool = False) -> Iterator[str]:
    """One JSON object per hit and line."""
    for hit in hits:
        yield json.dumps(hit_record(hit, with_text=with_text), ensure_ascii=False) + "\n"
