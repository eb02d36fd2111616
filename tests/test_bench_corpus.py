"""The benchmark's replicated stores: new ids and URLs, every copy whole, copies apart in id order."""

from __future__ import annotations

import json

from bench.corpus import replicate_store
from newsdex.config import DataDir
from newsdex.pipeline import ingest
from newsdex.store import DocumentStore


def test_replicated_store_keeps_the_copies_apart_in_id_order(tmp_path):
    rows = [
        {"url": f"https://example.org/{n}", "title": f"Report {n}", "text": f"Russian jets struck Idlib, report {n}."}
        for n in range(5)
    ]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    data = DataDir(tmp_path / "data")
    assert ingest([src], data, engine_name="whoosh").added == 5
    target = tmp_path / "copies.sqlite"
    assert replicate_store(data.store_path, target, 12) == 12  # two whole copies and two articles
    with DocumentStore(data.store_path, readonly=True) as store:
        originals = {a.id: a for a in store.iter_articles()}
    with DocumentStore(target, readonly=True) as store:
        ids = [f.id for f in store.iter_index_fields()]  # the order a rebuild reads
        copies = {a.id: a for a in store.iter_articles()}
        assert store.count(unindexed_only=True) == 12
    first_copy = sorted(originals)
    assert ids[:5] == first_copy
    assert ids[5:10] == [f"~0001~{i}" for i in first_copy]  # each copy whole, after the one before
    assert ids[10:] == [f"~0002~{i}" for i in first_copy[:2]]
    assert len({a.url for a in copies.values()}) == 12  # every copy has a URL of its own
    for copy_id, article in copies.items():
        original = originals[copy_id.rpartition("~")[2]]
        assert (article.title, article.text) == (original.title, original.text)
        assert article.url == original.url or article.url.startswith(original.url + "#newsdex-copy-")
