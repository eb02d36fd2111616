"""The document store: upserts never duplicate, re-ingest is idempotent, the index flag heals."""

import datetime as dt
import pickle

import pytest

from newsdex.models import Article, DateInfo, Mention
from newsdex.store import DocumentStore, store_row


def make(article_id="a1", text="Body text.", **kw) -> Article:
    return Article(
        id=article_id,
        title=kw.pop("title", "Title"),
        text=text,
        outlet=kw.pop("outlet", "RT"),
        date=kw.pop("date", DateInfo(dt.date(2017, 9, 26), "inferred", "weekday")),
        actors=["Russia"],
        locations=["Idlib"],
        mentions=[Mention("Idlib", "Idlib", "place", 0, 5)],
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    with DocumentStore(tmp_path / "store.sqlite") as s:
        yield s


def test_round_trip_keeps_every_field(store):
    article = make(url="https://example.org/x", author="A. Writer", extra={"k": [1, 2]}, extractor="x 1")
    assert store.upsert(article) == "added"
    store.db.commit()
    got = store.get("a1")
    assert got is not None
    assert got.to_dict() | {"ingested_at": ""} == article.to_dict() | {"ingested_at": ""}
    assert got.date.provenance == "inferred"


def test_a_row_made_in_another_process_stores_what_upsert_stores(store):
    """Ingest workers send store rows; the writer stores them as it would the article itself."""
    article = make(url="https://example.org/x", extra={"k": [1, 2]}, ingested_at="2020-01-01T00:00:00+00:00")
    row = pickle.loads(pickle.dumps(store_row(article)))
    assert store.upsert_row(row) == "added"
    assert store.get("a1").to_dict() == article.to_dict()  # its own ingested_at kept
    assert store.upsert(article) == "unchanged"
    assert store.upsert_row(store_row(make(text="Edited."))) == "updated"
    assert store.get("a1").ingested_at == "2020-01-01T00:00:00+00:00"


def test_same_article_twice_is_unchanged_and_an_edit_updates(store):
    assert store.upsert(make()) == "added"
    assert store.upsert(make()) == "unchanged"
    assert store.upsert(make(text="New body.")) == "updated"
    assert store.count() == 1
    assert store.get("a1").text == "New body."


def test_changed_rows_need_indexing_again(store):
    store.upsert(make("a1"))
    store.upsert(make("a2"))
    store.db.commit()
    assert store.count(unindexed_only=True) == 2
    store.mark_indexed(["a1", "a2"])
    store.upsert(make("a2", text="Changed."))
    store.db.commit()
    assert [a.id for a in store.iter_articles(unindexed_only=True)] == ["a2"]


def test_transaction_rolls_back_on_error(store):
    def interrupted_batch() -> None:
        with store.transaction():
            store.upsert(make("a1"))
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted_batch()
    assert store.count() == 0


def test_iteration_is_in_id_order_across_batches(store):
    for i in reversed(range(25)):
        store.upsert(make(f"id{i:03d}", text=f"text {i}"))
    store.db.commit()
    assert [a.id for a in store.iter_articles(batch=7)] == [f"id{i:03d}" for i in range(25)]


def test_index_fields_are_the_articles_fields(store):
    for i in reversed(range(12)):
        undated = DateInfo.unknown() if i % 3 == 0 else DateInfo(dt.date(2016, 1, i + 1), "published", "text")
        store.upsert(make(f"id{i:03d}", text=f"text {i}", date=undated, outlet=None if i % 4 else "RT"))
    store.db.commit()
    from_articles = [
        (a.id, a.title, a.text, a.outlet, a.date.value, a.actors, a.locations) for a in store.iter_articles(batch=5)
    ]
    assert [tuple(f) for f in store.iter_index_fields(batch=5)] == from_articles


def test_prefix_lookup_and_readonly(store, tmp_path):
    store.upsert(make("abcdef0123"))
    store.db.commit()
    assert store.find_prefix("abcd") == ["abcdef0123"]
    with DocumentStore(tmp_path / "store.sqlite", readonly=True) as ro:
        assert ro.get("abcdef0123") is not None
    with pytest.raises(FileNotFoundError):
        DocumentStore(tmp_path / "missing.sqlite", readonly=True)


def test_sample_texts_spreads_over_the_store_and_respects_the_limit(store):
    for i in range(30):
        store.upsert(make(f"id{i:03d}", text=f"text number {i}", title=f"T{i}"))
    store.db.commit()
    sample = list(store.sample_texts(10))
    assert len(sample) == 10 and sample == list(store.sample_texts(10))
    assert sample[0].startswith("T2\n") and sample[-1].startswith("T29\n")
    assert len(list(store.sample_texts(100))) == 30
