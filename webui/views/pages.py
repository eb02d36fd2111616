"""HTML pages: search with facets and timeline, one article, and the side-by-side compare view."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from newsdex.models import Article
from search.annotate import annotated_paragraphs
from search.highlight import Highlighter
from search.query import QuerySyntaxError
from search.request import SearchQuery
from search.service import FACET_LABELS
from search.suggest import suggest, vocabulary
from search.timeline import build_timeline
from webui.app import get_service
from webui.helpers import days_from_request, search_from_request, with_params
from webui.timeline import render_svg

bp = Blueprint("pages", __name__)


def _entity_link(facet: str, value: str) -> str:
    return url_for("pages.search", **{facet: value})


@bp.get("/")
def search() -> tuple[str, int]:
    q, error = search_from_request()
    result = timeline = chart = suggestion = None
    if error is None:
        service = get_service()
        try:
            result = service.search(q)
            timeline = build_timeline(service, q)
        except QuerySyntaxError as exc:
            error, result = str(exc), None
        else:
            if q.text:
                suggestion = suggest(q.text, vocabulary(service.store))
            active = (q.since.isoformat(), q.until.isoformat()) if q.since and q.until else None
            chart = render_svg(timeline, lambda s, u: "?" + with_params(q, since=s, until=u), active=active)
    status = 400 if error else 200
    return render_template(
        "search.html",
        q=q,
        result=result,
        error=error,
        facet_labels=FACET_LABELS,
        timeline=timeline,
        chart=chart,
        suggestion=suggestion,
        suggestion_qs=with_params(q, q=suggestion) if suggestion else "",
    ), status


def _article_or_404(article_id: str) -> Article:
    found = get_service().article(article_id)
    if found is None:
        abort(404)
    return found


def _highlighter(q: SearchQuery) -> tuple[Highlighter | None, str | None]:
    """The search's highlighter for an article page; a malformed query only loses the highlighting."""
    if not q.text:
        return None, None
    try:
        return Highlighter(q.node(), "body"), None
    except QuerySyntaxError as exc:
        return None, str(exc)


@bp.get("/articles/<article_id>")
def article(article_id: str) -> str:
    service = get_service()
    found = _article_or_404(article_id)
    q, error = search_from_request()
    highlighter, hl_error = _highlighter(q)
    days = days_from_request()
    title_html = Highlighter(q.node(), "title").mark(found.title) if highlighter else None
    return render_template(
        "article.html",
        article=found,
        q=q,
        error=error or hl_error,
        title_html=title_html,
        paragraphs=annotated_paragraphs(found, highlighter, _entity_link),
        others=service.others_reporting(found, days=days),
        days=days,
    )


@bp.get("/articles/<article_id>/compare")
def compare(article_id: str) -> str:
    """This article beside how other outlets reported it: the chosen ones (``with``), else the closest."""
    service = get_service()
    found = _article_or_404(article_id)
    q, error = search_from_request()
    highlighter, hl_error = _highlighter(q)
    days = days_from_request()
    others, columns = service.compare_columns(found, request.args.getlist("with"), days=days)
    everyone = [found, *(o for o, _ in columns)]
    shared = {
        name
        for a in everyone
        for name in (*a.actors, *a.locations)
        if sum(name in (*b.actors, *b.locations) for b in everyone) > 1
    }
    panes = [
        {"article": a, "score": s, "paragraphs": annotated_paragraphs(a, highlighter, _entity_link)}
        for a, s in [(found, None), *columns]
    ]
    return render_template(
        "compare.html",
        article=found,
        panes=panes,
        shared=shared,
        others=others,
        q=q,
        error=error or hl_error,
        days=days,
        chosen=[a.id for a, _ in columns],
    )
