"""Application factory: configuration, one engine per process, one searcher per request."""

from __future__ import annotations

import os
import weakref
from typing import Any

from flask import Flask, Response, current_app, g

from index.engine import Engine
from index.manager import open_engine
from newsdex.config import DataDir
from newsdex.store import DocumentStore
from search.service import SearchService


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``DATA_DIR`` and ``ENGINE`` come from ``config``, else the environment."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=os.environ.get("NEWSDEX_DATA"),
        ENGINE=os.environ.get("NEWSDEX_ENGINE"),
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    data = DataDir.resolve(app.config["DATA_DIR"])
    app.config["DATA_DIR"] = str(data.root)
    app.config["ENGINE"] = data.engine_name(app.config["ENGINE"])
    app.extensions["newsdex.engine"] = None

    from webui import helpers
    from webui.views import api, export, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export.bp)
    app.teardown_appcontext(_close_store)
    app.after_request(_security_headers)
    app.register_error_handler(404, _not_found)
    app.jinja_env.globals.update(
        engine_name=app.config["ENGINE"],
        hidden_params=helpers.hidden_params,
        with_params=helpers.with_params,
        safe_href=helpers.safe_href,
    )
    return app


# Everything the pages need ships in static/: no inline script, no third-party origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response: Response) -> Response:
    """A strict CSP backs up the escaping; no referrer, so a click to a source leaks no query."""
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _not_found(exc: Exception) -> tuple[Any, int]:
    """JSON under ``/api`` and ``/export`` (clients never parse an HTML error page), a page elsewhere."""
    from flask import jsonify, render_template, request

    if request.path.startswith(("/api/", "/export/")):
        message = getattr(exc, "description", "") or "not found"
        return jsonify({"error": "not found", "message": message}), 404
    return render_template("error.html", title="Not found", message="There is no such page or article."), 404


def _engine() -> Engine:
    """The process's engine: opened once, it keeps its caches up to date with the index itself."""
    engine = current_app.extensions.get("newsdex.engine")
    if engine is None:
        data = DataDir.resolve(current_app.config["DATA_DIR"])
        engine = open_engine(data, current_app.config["ENGINE"])
        current_app.extensions["newsdex.engine"] = engine
        # the index files stay open while the app lives, and are closed with it
        weakref.finalize(current_app._get_current_object(), engine.close)
    return engine


def get_service() -> SearchService:
    """The request's search service: a read-only store connection and the shared engine."""
    if "newsdex_service" not in g:
        g.newsdex_service = own_service()
    return g.newsdex_service


def own_service() -> SearchService:
    """A service with its own store connection, for work that outlives the request (streamed exports).

    The caller closes ``service.store``; the request's teardown would close the shared one mid-stream.
    """
    data = DataDir.resolve(current_app.config["DATA_DIR"])
    store = DocumentStore(data.store_path, readonly=True)
    return SearchService(store, _engine(), canonicalise=_canonicaliser())


def _canonicaliser() -> Any:
    canonicalise = current_app.extensions.get("newsdex.canonicalise")
    if canonicalise is None:
        from newsdex.extraction import facet_canonicaliser

        canonicalise = facet_canonicaliser(DataDir.resolve(current_app.config["DATA_DIR"]))
        current_app.extensions["newsdex.canonicalise"] = canonicalise
    return canonicalise


def _close_store(_: BaseException | None) -> None:
    service = g.pop("newsdex_service", None)
    if service is not None:
        service.store.close()
