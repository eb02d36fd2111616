"""The JSON API: the same parameters as the pages, the same shape as ``newsdex query --format json``.

Extras that the CLI's result does not carry (timeline, spelling suggestion) are
separate endpoints, so ``/api/search`` stays byte-for-byte the CLI's JSON.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from newsdex.models import Article
from search.annotate import annotated_paragraphs
from search.highlight import Highlighter
from search.query import MatchAll, Node, QuerySyntaxError
from search.suggest import suggest as suggest_text
from search.suggest import vocabulary
from search.timeline import build_timeline
from webui.app import get_service
from webui.helpers import days_from_request, search_from_request, with_params

bp = Blueprint("api", __name__, url_prefix="/api")


def _bad_query(message: str) -> tuple[Response, int]:
    return jsonify({"error": "bad query", "message": message}), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int]:
    """API errors as JSON too, so clients never have to parse an HTML error page."""
    return jsonify({"error": exc.name.lower(), "message": exc.description}), exc.code or 500


@bp.get("/search")
def search() -> Response | tuple[Response, int]:
    q, error = search_from_request()
    if error:
        return _bad_query(error)
    try:
        result = get_service().search(q)
    except QuerySyntaxError as exc:
        return _bad_query(str(exc))
    return jsonify(result.to_json())


@bp.get("/timeline")
def timeline() -> Response | tuple[Response, int]:
    """Matches per month (or year) and outlet, for the same parameters as ``/api/search``."""
    q, error = search_from_request()
    if error:
        return _bad_query(error)
    try:
        return jsonify(build_timeline(get_service(), q).to_json())
    except QuerySyntaxError as exc:
        return _bad_query(str(exc))


@bp.get("/suggest")
def suggest() -> Response | tuple[Response, int]:
    """ "Did you mean": the query with likely misspelt words corrected, or null."""
    q, error = search_from_request()
    if error is None:
        try:
            q.node()
        except QuerySyntaxError as exc:
            error = str(exc)
    if error:
        return _bad_query(error)
    corrected = suggest_text(q.text, vocabulary(get_service().store)) if q.text else None
    return jsonify(
        {"q": q.text, "suggestion": corrected, "query_string": with_params(q, q=corrected) if corrected else None}
    )


def _article(article_id: str) -> Article:
    found = get_service().article(article_id)
    if found is None:
        abort(404, description=f"no article {article_id!r}")
    return found


def _highlighted(article: Article) -> dict[str, Any]:
    """The article's title and paragraphs as the page shows them, marked for the request's ``q``."""
    q, error = search_from_request()
    node: Node = MatchAll()
    if q.text and not error:
        try:
            node = q.node()
        except QuerySyntaxError as exc:
            error = str(exc)
    body = Highlighter(node, "body")
    return {
        "title_html": Highlighter(node, "title").mark(article.title),
        "paragraphs_html": annotated_paragraphs(article, body if body else None),
        "query_error": error,
    }


def _other(other: Article, score: float | None) -> dict[str, Any]:
    return {
        "id": other.id,
        "title": other.title,
        "outlet": other.outlet,
        "date": other.date.to_dict()["value"],
        "date_provenance": other.date.provenance,
        "score": round(score, 3) if score is not None else None,
    }


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    found = _article(article_id)
    data = found.to_dict()
    data.update(_highlighted(found))
    days = days_from_request()
    data["others_days"] = days
    data["others"] = [_other(o, s) for o, s in get_service().others_reporting(found, days=days)]
    return jsonify(data)


@bp.get("/articles/<article_id>/compare")
def compare(article_id: str) -> Response:
    """The compare view's data: the article and the chosen (``with``) or closest other reports, highlighted."""
    service = get_service()
    found = _article(article_id)
    days = days_from_request()
    _, columns = service.compare_columns(found, request.args.getlist("with"), days=days)
    panes = []
    for a, score in [(found, None), *columns]:
        pane = _other(a, score)
        pane.update(url=a.url, actors=a.actors, locations=a.locations, **_highlighted(a))
        panes.append(pane)
    return jsonify({"id": found.id, "days": days, "panes": panes})


@bp.get("/openapi.yaml")
def openapi() -> Response:
    spec = resources.files("webui").joinpath("static", "openapi.yaml").read_text(encoding="utf-8")
    return Response(spec, mimetype="application/yaml")
