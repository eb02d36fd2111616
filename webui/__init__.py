"""The Flask web UI and JSON API (read-only)."""

from webui.app import create_app

__all__ = ["create_app"]
