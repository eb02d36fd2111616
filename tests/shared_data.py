"""Locate the shared data dir (gold labels, corpora, saved pages) for tests that measure against it.

Locally a missing dir skips those tests with the reason; in CI (CI=true) it fails them,
so a CI run can never pass by silently skipping the measurements.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``$NEWSDEX_SHARED`` or ``../shared`` beside the repo; skip (or fail when CI=true) if absent."""
    env = os.environ.get("NEWSDEX_SHARED")
    path = Path(env) if env else _REPO.parent / "shared"
    if path.is_dir():
        return path
    reason = f"shared data dir not found at {path} (set NEWSDEX_SHARED or place it beside the repo)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)
