"""The benchmark's replicated stores: new ids and URLs, every copy whole, copies apart in id order."""

from __future__ import annotations

from bench.corpus import replicate_store
from newsdex.store import DocumentStore


def test_replicated_store_keeps_the_copies_apart_in_id_order(seeds_data, tmp_path):
    target = tmp_path / "copies.sqlite"
    assert replicate_store(seeds_data.store_path, target, 12) == 12  # two whole copies and two articles
    with DocumentStore(seeds_data.store_path, readonly=True) as store:
        originals = {a.id: a for a in store.iter_articles()}
    with DocumentStore(target, readonly=True) as store:
        ids = [f.id for f in store.iter_index_fields()]  # the order a rebuild reads
        copies = list(store.iter_articles())
        assert store.count(unindexed_only=True) == 12
    assert len(set(ids)) == 12
    first_copy = sorted(originals)
    assert ids[:5] == first_copy
    assert ids[5:10] == [f"~0001~{i}" for i in first_copy]  # each copy whole, after the one before
    assert ids[10:] == [f"~0002~{i}" for i in first_copy[:2]]
    for article in copies:
        original = originals[article.id.rpartition("~")[2]]
        assert (article.title, article.text) == (original.title, original.text)
        if article.id != original.id and original.url:
            assert article.url != original.url
