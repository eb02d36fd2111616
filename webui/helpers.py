"""Small pieces shared by the pages and the API: reading a search from the URL, safe links."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import request

from search.query import QuerySyntaxError
from search.request import SearchQuery

DEFAULT_DAYS = 7
MAX_DAYS = 365


def search_from_request() -> tuple[SearchQuery, str | None]:
    """The request's search and, when its parameters are malformed, the message (never an exception).

    On a bad parameter the text is kept, so the page can show the query box as typed.
    """
    try:
        return SearchQuery.from_params(request.args.to_dict(flat=False)), None
    except QuerySyntaxError as exc:
        return SearchQuery(text=request.args.get("q", "")), str(exc)


def days_from_request() -> int:
    """The "within N days" window of "how others reported it" (a bad value falls back to the default)."""
    raw = request.args.get("days", "")
    return int(raw) if raw.isdigit() and 0 <= int(raw) <= MAX_DAYS else DEFAULT_DAYS


def hidden_params(q: SearchQuery, *drop: str) -> list[tuple[str, str]]:
    """``q``'s URL parameters minus ``drop`` (and the page), for forms that change one part of a search."""
    return [(k, v) for k, v in q.to_params(with_page=False) if k not in drop]


def with_params(q: SearchQuery, /, **changes: str | None) -> str:
    """Query string of ``q`` with some plain parameters replaced (None removes), back on page 1."""
    params = [(k, v) for k, v in q.to_params(with_page=False) if k not in changes]
    params += [(k, v) for k, v in changes.items() if v]
    return urlencode(params)


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) link, else None: escaping alone does not stop ``javascript:`` links."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None
