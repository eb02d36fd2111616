"""Ingest end to end: seeds cleaned, metadata found, re-ingest idempotent, bad files skipped, nothing lost."""

from __future__ import annotations

import json
import time

import pytest

from index.manager import open_engine, rebuild
from newsdex.config import DataDir
from newsdex.pipeline import ingest, rebuild_from_sources
from newsdex.store import DocumentStore
from search.request import SearchQuery
from search.service import SearchService
from tests.conftest import SEEDS


def _articles(data: DataDir):
    with DocumentStore(data.store_path, readonly=True) as store:
        return {a.source.rsplit("/", 1)[-1]: a for a in store.iter_articles()}


def test_seeds_are_stored_clean_with_their_metadata(seeds_data):
    articles = _articles(seeds_data)
    assert len(articles) == 5
    press_tv = articles["002_cf4b3b3e72b76428.txt"]
    assert press_tv.title == "Russia rejects accusations of airstrikes on Syria’s Idlib"
    assert press_tv.outlet == "Press TV"
    for junk in ("SHARE THIS ARTICLE", "Press TV News Roku", "(Photo via AP)", "www.presstv.co.uk", "News   /"):
        assert junk not in press_tv.text
    assert "5,500 militant positions hit since start of 2017" in press_tv.text  # a subhead stays
    rt = articles["000_87e55ba5c15f87a3.txt"]
    assert "READ MORE" not in rt.text and "Konashenkov" in rt.text
    assert rt.date.value is None and rt.date.provenance == "unknown"  # no year in the text: nothing invented
    assert "Leave a comment" not in articles["004_60f2e22e1d774df1.txt"].text
    national = articles["003_cd7533017dceb534.txt"]
    assert national.text.count("A Syrian man with a blood stained shirt") == 0
    assert "Jisr al-Shughur" in national.locations
    assert "Islamic State" in rt.actors and "Igor Konashenkov" in rt.actors
    for article in articles.values():
        assert article.extractor and article.ingested_at
        assert len(article.id) == 16


def test_a_dataset_text_keeps_its_paragraphs(tmp_path):
    """A CSV/JSON Lines text with line breaks is cleaned line by line and keeps its paragraphs."""
    text = (
        "Russian jets struck Idlib on Tuesday, the Observatory said.\n"
        "SHARE THIS ARTICLE\n"
        "Rescuers searched the rubble of the market for hours.\n\n"
        "The Defence Ministry denied the report and said its aircraft had hit only militant targets."
        " Source: Reuters and agencies"
    )
    src = tmp_path / "rows.jsonl"
    src.write_text(json.dumps({"title": "Strikes on Idlib", "text": text}) + "\n", encoding="utf-8")
    data = DataDir(tmp_path / "d")
    ingest([src], data, engine_name="whoosh")
    (article,) = _articles(data).values()
    assert article.paragraphs == [
        "Russian jets struck Idlib on Tuesday, the Observatory said.",
        "Rescuers searched the rubble of the market for hours.",
        "The Defence Ministry denied the report and said its aircraft had hit only militant targets.",
    ]
    assert {"SHARE THIS ARTICLE", "Source: Reuters and agencies"} <= set(article.extra["removed_lines"])


def test_reingest_is_idempotent(tmp_path):
    data = DataDir(tmp_path)
    first = ingest([SEEDS], data, engine_name="whoosh")
    again = ingest([SEEDS], data, engine_name="whoosh")
    assert (first.added, again.added, again.unchanged, again.updated) == (5, 0, 5, 0)
    with DocumentStore(data.store_path) as store, open_engine(data, "whoosh") as engine:
        assert store.count() == 5 == engine.doc_count()


def test_an_edited_article_is_updated_not_duplicated(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Headline here\n\nFirst paragraph about Idlib.\n\nSecond one.", encoding="utf-8")
    (src / "a.meta.json").write_text(json.dumps({"url": "https://example.org/a?utm_source=x"}), encoding="utf-8")
    data = DataDir(tmp_path / "data")
    assert ingest([src], data, engine_name="whoosh").added == 1
    (src / "a.txt").write_text("Headline here\n\nFirst paragraph about Hama now.\n\nSecond one.", encoding="utf-8")
    report = ingest([src], data, engine_name="whoosh")
    assert (report.added, report.updated) == (0, 1)
    with DocumentStore(data.store_path) as store, open_engine(data, "whoosh") as engine:
        service = SearchService(store, engine)
        assert service.search(SearchQuery("Hama")).total == 1
        assert service.search(SearchQuery("Idlib")).total == 0
        assert engine.doc_count() == 1


def test_bad_files_are_skipped_and_the_rest_goes_in(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("Russia denies strikes\n\nThe ministry said its jets hit Idlib.", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (src / "broken.html").write_text("<html><head><title>x</title></head><body><div>", encoding="utf-8")
    (src / "nocol.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (src / "rows.jsonl").write_text('{"title": "T", "text": "Body about Hama."}\n{oops\n', encoding="utf-8")
    errors = []
    report = ingest([src], DataDir(tmp_path / "data"), engine_name="whoosh", on_error=errors.append)
    assert report.added == 2
    reasons = {e.origin.rsplit("/", 1)[-1]: e.reason for e in errors}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.html", "nocol.csv", "rows.jsonl:row 2"}
    assert report.summary() == "2 added, 0 updated, 0 unchanged, 5 skipped"


def test_interrupted_ingest_heals_on_the_next_run(tmp_path, monkeypatch):
    data = DataDir(tmp_path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("newsdex.store.DocumentStore.mark_indexed", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest([SEEDS], data, engine_name="whoosh")
    monkeypatch.undo()
    with DocumentStore(data.store_path) as store:
        assert store.count() == 5 and store.count(unindexed_only=True) == 5
    report = ingest([SEEDS], data, engine_name="whoosh")
    assert report.unchanged == 5 and report.indexed == 5
    with DocumentStore(data.store_path) as store, open_engine(data, "whoosh") as engine:
        assert store.count(unindexed_only=True) == 0 and engine.doc_count() == 5


def test_overrides_win(tmp_path):
    import datetime as dt

    from newsdex.extraction import Overrides

    data = DataDir(tmp_path)
    ingest([SEEDS], data, engine_name="whoosh", overrides=Overrides(outlet="Wire", date=dt.date(2017, 9, 28)))
    for article in _articles(data).values():
        assert article.outlet == "Wire"
        assert (article.date.value, article.date.provenance, article.date.source) == (
            dt.date(2017, 9, 28),
            "published",
            "override",
        )


def test_rebuild_is_reproducible(tmp_path):
    counts = []
    for name in ("one", "two"):
        data = DataDir(tmp_path / name)
        rebuild_from_sources([SEEDS], data, engine_name="whoosh")
        with DocumentStore(data.store_path) as store, open_engine(data, "whoosh") as engine:
            result = SearchService(store, engine).search(SearchQuery(per_page=100))
            counts.append((sorted(store.ids()), result.to_json()["facets"], [h.article.id for h in result.hits]))
    assert counts[0] == counts[1]


def test_rebuild_swaps_generations_and_keeps_ids(seeds_data, tmp_path):
    with DocumentStore(seeds_data.store_path) as store:
        before = sorted(store.ids())
        location_root = seeds_data.index_root("whoosh")
        old = (location_root / "CURRENT").read_text().strip()
        assert rebuild(store, seeds_data, "whoosh") == 5
    new = (location_root / "CURRENT").read_text().strip()
    assert new != old and not (location_root / old).exists()
    with DocumentStore(seeds_data.store_path) as store, open_engine(seeds_data, "whoosh") as engine:
        assert sorted(store.ids()) == before and engine.doc_count() == 5


def test_parallel_extraction_gives_the_same_articles(tmp_path):
    from tests.conftest import FAKES

    lines = FAKES.read_text(encoding="utf-8").splitlines()[:120]
    src = tmp_path / "part.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = []
    for jobs in (1, 2):
        data = DataDir(tmp_path / f"jobs{jobs}")
        report = ingest([src], data, engine_name="whoosh", jobs=jobs)
        assert report.added == 120
        with DocumentStore(data.store_path) as store:
            results.append([(a.id, a.title, a.outlet, a.date, a.actors, a.locations) for a in store.iter_articles()])
    assert results[0] == results[1]


def test_parallel_extraction_reads_a_bounded_window_ahead(monkeypatch):
    """Workers never run far ahead of the writer, and stopping early does not hang the pool."""
    from newsdex import pipeline
    from newsdex.sources import RawDocument

    monkeypatch.setattr(pipeline, "CHUNK", 2)
    monkeypatch.setattr(pipeline, "IN_FLIGHT_CHUNKS", 2)
    pulled = 0

    def documents():
        nonlocal pulled
        for i in range(2000):
            pulled += 1
            yield RawDocument("text", f"doc {i}", f"Headline {i}\n\nRussian jets struck Idlib, report {i} said.")

    results = pipeline.extract_all(documents(), jobs=2)
    assert next(results).doc.title == "Headline 0"
    time.sleep(3)  # time for unbounded workers to read (and extract) everything
    window = 2 * pipeline.CHUNK * pipeline.IN_FLIGHT_CHUNKS
    assert pulled <= pipeline.PARALLEL_THRESHOLD + window + pipeline.CHUNK
    results.close()
    assert pulled < 2000


def _niceness(raw):
    """A worker's niceness, sent back the way a worker reports an error (origin, reason)."""
    import os

    return raw.origin, str(os.nice(0))


def test_extraction_workers_yield_the_cpu_to_the_writer(monkeypatch):
    import os

    from newsdex import pipeline
    from newsdex.sources import RawDocument

    monkeypatch.setattr(pipeline, "_build_one", _niceness)
    documents = [RawDocument("text", f"doc {i}", f"Headline {i}\n\nText {i}.") for i in range(100)]
    niceness = {int(error.reason) for error in pipeline.extract_all(documents, jobs=2)}
    assert niceness == {min(os.nice(0) + pipeline.WORKER_NICENESS, 19)}  # 19: the lowest priority


def test_an_article_twice_in_one_batch_is_indexed_once(tmp_path):
    row = json.dumps({"title": "T", "text": "Russian jets struck Idlib."})
    edited = json.dumps({"title": "T", "text": "Russian jets struck Idlib.", "author": "X"})
    src = tmp_path / "dup.jsonl"
    src.write_text(f"{row}\n{edited}\n", encoding="utf-8")
    data = DataDir(tmp_path / "d")
    report = ingest([src], data, engine_name="whoosh")
    assert (report.added, report.updated) == (1, 1)
    with open_engine(data, "whoosh") as engine:
        assert engine.doc_count() == 1


def test_later_versions_in_one_run_replace_the_earlier_without_an_early_commit(tmp_path, monkeypatch):
    from newsdex import pipeline

    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)  # each row is stored and indexed on its own
    rows = [
        {"url": "https://example.org/a", "title": "A", "text": "First version about Hama."},
        {"url": "https://example.org/b", "title": "B", "text": "Another article about Aleppo."},
        {"url": "https://example.org/a", "title": "A", "text": "Second version about Homs."},
        {"url": "https://example.org/a", "title": "A", "text": "Third version about Idlib."},
    ]
    src = tmp_path / "versions.jsonl"
    src.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    data = DataDir(tmp_path / "d")
    report = ingest([src], data, engine_name="whoosh")
    assert (report.added, report.updated) == (2, 2)
    with DocumentStore(data.store_path) as store, open_engine(data, "whoosh") as engine:
        service = SearchService(store, engine)
        assert [service.search(SearchQuery(word)).total for word in ("Hama", "Homs", "Idlib", "Aleppo")] == [0, 0, 1, 1]
        assert engine.doc_count() == 2 and store.count(unindexed_only=True) == 0
        assert len(engine._current().leaves) == 2  # the first commit, then the deferred version's


def test_compare_columns_prefer_the_readers_choice(seeds_data):
    with DocumentStore(seeds_data.store_path, readonly=True) as store, open_engine(seeds_data, "whoosh") as engine:
        service = SearchService(store, engine)
        first, second, third = sorted(store.ids())[:3]
        article = store.get(first)
        _, chosen = service.compare_columns(article, [third, first, second, "nosuchid"], limit=2)
        assert [a.id for a, _ in chosen] == [third, second]
        others, closest = service.compare_columns(article, [])
        assert [a.id for a, _ in closest] == [a.id for a, _ in others[:3]]
