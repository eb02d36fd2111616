"""HTML pages: search with facets, and one article."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from search.query import QuerySyntaxError
from search.request import SearchQuery
from search.service import FACET_LABELS
from webui.app import get_service

bp = Blueprint("pages", __name__)


@bp.get("/")
def search() -> str:
    error = None
    result = None
    try:
        q = SearchQuery.from_params(request.args.to_dict(flat=False))
    except QuerySyntaxError as exc:
        q, error = SearchQuery(text=request.args.get("q", "")), str(exc)
    if error is None:
        try:
            result = get_service().search(q)
        except QuerySyntaxError as exc:
            error = str(exc)
    status = 400 if error else 200
    return render_template("search.html", q=q, result=result, error=error, facet_labels=FACET_LABELS), status


@bp.get("/articles/<article_id>")
def article(article_id: str) -> str:
    service = get_service()
    found = service.article(article_id)
    if found is None:
        abort(404)
    return render_template("article.html", article=found, others=service.others_reporting(found))
