"""Application factory: configuration, one engine per process, one searcher per request."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, g

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

    from webui.views import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.teardown_appcontext(_close_store)
    app.jinja_env.globals["engine_name"] = app.config["ENGINE"]
    return app


def _engine() -> Engine:
    """The process's engine: opened once, it keeps its caches up to date with the index itself."""
    engine = current_app.extensions.get("newsdex.engine")
    if engine is None:
        data = DataDir.resolve(current_app.config["DATA_DIR"])
        engine = open_engine(data, current_app.config["ENGINE"])
        current_app.extensions["newsdex.engine"] = engine
    return engine


def get_service() -> SearchService:
    """The request's search service: a read-only store connection and the shared engine."""
    if "newsdex_service" not in g:
        data = DataDir.resolve(current_app.config["DATA_DIR"])
        store = DocumentStore(data.store_path, readonly=True)
        g.newsdex_service = SearchService(store, _engine(), canonicalise=_canonicaliser())
    return g.newsdex_service


def _canonicaliser() -> Any:
    canonicalise = current_app.extensions.get("newsdex.canonicalise")
    if canonicalise is None:
        from newsdex.cli import _canonicaliser as build

        canonicalise = build(DataDir.resolve(current_app.config["DATA_DIR"]))
        current_app.extensions["newsdex.canonicalise"] = canonicalise
    return canonicalise


def _close_store(_: BaseException | None) -> None:
    service = g.pop("newsdex_service", None)
    if service is not None:
        service.store.close()
