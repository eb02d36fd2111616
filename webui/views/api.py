"""The JSON API: the same parameters as the pages, the same shape as ``newsdex query --format json``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from search.query import QuerySyntaxError
from search.request import SearchQuery
from webui.app import get_service

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response | tuple[Response, int]:
    try:
        q = SearchQuery.from_params(request.args.to_dict(flat=False))
        result = get_service().search(q)
    except QuerySyntaxError as exc:
        return jsonify({"error": "bad query", "message": str(exc)}), 400
    return jsonify(result.to_json())


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    service = get_service()
    found = service.article(article_id)
    if found is None:
        abort(404)
    data = found.to_dict()
    data["others"] = [
        {"id": o.id, "title": o.title, "outlet": o.outlet, "date": o.date.to_dict()["value"], "score": round(s, 3)}
        for o, s in service.others_reporting(found)
    ]
    return jsonify(data)
