"""Every match of a search as a download, streamed line by line (not only the current page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request

from search.export import csv_lines, iter_hits, jsonl_lines
from search.query import QuerySyntaxError
from search.request import SearchQuery
from webui.app import own_service
from webui.helpers import search_from_request

bp = Blueprint("export", __name__, url_prefix="/export")

FORMATS = {"csv": ("text/csv; charset=utf-8", csv_lines), "jsonl": ("application/x-ndjson; charset=utf-8", jsonl_lines)}


def _filename(q: SearchQuery, ext: str) -> str:
    """A readable, header-safe file name: newsdex-<query words>-<date>.<ext>."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", q.text).strip("-")[:40] or "all"
    return f"newsdex-{words}-{dt.date.today().isoformat()}.{ext}"


@bp.get("/search.<fmt>")
def search(fmt: str) -> Response | tuple[Response, int]:
    """``/export/search.csv`` or ``.jsonl`` with the search page's parameters; ``text=1`` adds article texts."""
    if fmt not in FORMATS:
        return jsonify({"error": "not found", "message": "export as search.csv or search.jsonl"}), 404
    q, error = search_from_request()
    if error is None:
        try:
            q.node()  # fail before the first byte: a stream cannot turn into a 400 later
        except QuerySyntaxError as exc:
            error = str(exc)
    if error:
        return jsonify({"error": "bad query", "message": error}), 400
    mimetype, lines = FORMATS[fmt]
    with_text = request.args.get("text", "") in ("1", "true", "yes")
    service = own_service()

    def generate() -> Iterator[str]:
        try:
            yield from lines(iter_hits(service, q), with_text=with_text)
        finally:
            service.store.close()

    response = Response(generate(), content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(q, fmt)}"'
    return response
