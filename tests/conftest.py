"""Shared fixtures: small indexes built once per test session from the bundled samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdex.config import DataDir

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SEEDS = SAMPLES / "seeds"
FAKES = SAMPLES / "fakes" / "fakes.jsonl"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No test reads the developer's own data directory or engine choice."""
    monkeypatch.delenv("NEWSDEX_DATA", raising=False)
    monkeypatch.delenv("NEWSDEX_ENGINE", raising=False)


@pytest.fixture(scope="session")
def seeds_data(tmp_path_factory) -> DataDir:
    """The five seed articles, ingested with the default engine."""
    from newsdex.pipeline import ingest

    data = DataDir(tmp_path_factory.mktemp("seeds-data"))
    report = ingest([SEEDS], data, engine_name="whoosh")
    assert report.added == 5, report.errors
    return data


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory) -> DataDir:
    """The whole bundled sample set (seeds + FA-KES), as ``make run`` serves it."""
    from newsdex.pipeline import ingest

    data = DataDir(tmp_path_factory.mktemp("sample-data"))
    report = ingest([SAMPLES], data, engine_name="whoosh", jobs=2)
    # Three FA-KES rows hold only a headline and a dateline: they are rightly skipped.
    assert [e.reason for e in report.errors] == ["no article text found"] * 3, report.errors
    return data
