"""The contract every engine signs: the same answers as the reference engine.

Run against each engine that is installed; a new engine joins by being added
to ``ENGINES``.  Totals and facet counts must be exact; ordering by date must
be exact; relevance order is the engine's own business.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util

import pytest

from index.engine import EngineQuery, IndexDoc
from index.manager import engine_class
from search.query import parse_query
from tests import reference

ENGINES = ["whoosh"] + (["tantivy"] if importlib.util.find_spec("tantivy") else [])

DOCS = [
    IndexDoc(
        "a1",
        "Russia denies Idlib airstrikes",
        "The Russian Defence Ministry denied airstrikes on Idlib.",
        "RT",
        dt.date(2017, 9, 28),
        ("Russian Defense Ministry", "Russia"),
        ("Idlib", "Syria"),
    ),
    IndexDoc(
        "a2",
        "Strikes hit Idlib",
        "An air strike hit a market in Idlib province, the White Helmets said.",
        "Reuters",
        dt.date(2017, 9, 27),
        ("White Helmets",),
        ("Idlib",),
    ),
    IndexDoc(
        "a3",
        "Islamic State loses Raqqa",
        "Islamic State fighters left Raqqa. The state of the city is dire.",
        "BBC",
        dt.date(2017, 10, 17),
        ("Islamic State", "Syrian Democratic Forces"),
        ("Raqqa", "Syria"),
    ),
    IndexDoc(
        "a4",
        "Konashenkov on Hama",
        "Major General Igor Konashenkov said Hama strikes targeted Nusra.",
        "RT",
        dt.date(2017, 9, 20),
        ("Igor Konashenkov", "Al-Nusra Front"),
        ("Hama",),
    ),
    IndexDoc(
        "a5",
        "Undated report",
        "Airstrikes in Jisr al-Shughur killed civilians, rescuers said.",
        None,
        None,
        ("White Helmets",),
        ("Jisr al-Shughur", "Idlib"),
    ),
    IndexDoc(
        "a6",
        "Talks in Geneva",
        "De Mistura convened talks; no airstrike was mentioned. State talk.",
        "Al Jazeera",
        dt.date(2016, 2, 29),
        ("Staffan de Mistura", "United Nations"),
        ("Geneva",),
    ),
    IndexDoc(
        "a7",
        "Putin: information attacks",
        "Putin rejected reports that Russian jets killed civilians.",
        "BBC",
        dt.date(2015, 10, 1),
        ("Vladimir Putin", "Russia"),
        ("Syria",),
    ),
]

QUERIES = [
    "",
    "Idlib",
    "airstrikes",
    "airstrikes Idlib",
    "Idlib OR Hama",
    "Idlib -airstrikes",
    "NOT Idlib",
    '"Islamic State"',
    '"state of the city"',
    "title:Idlib",
    "body:konashenkov",
    "Konash*",
    "outlet:RT",
    'actor:"White Helmets"',
    "location:Idlib airstrikes",
    "date:2017-09",
    "date:..2016",
    "date:2017-09-27..2017-10-31 strikes",
    "(Idlib OR Raqqa) AND NOT outlet:BBC",
    "al-Shughur",
    "nothingmatchesthis",
]

FILTERS = [
    {},
    {"outlet": ("RT",)},
    {"outlet": ("RT", "BBC")},
    {"actor": ("White Helmets",), "location": ("Idlib",)},
    {"month": ("2017-09", "unknown")},
]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, tmp_path_factory):
    cls = engine_class(request.param)
    eng = cls.create(tmp_path_factory.mktemp(request.param))
    with eng.writer(fresh=True) as writer:
        writer.add_many(DOCS)
    yield eng
    eng.close()


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: ",".join(f"{k}={'|'.join(v)}" for k, v in f.items()) or "none"
)
def test_totals_and_facets_match_the_reference(engine, text, filters):
    q = EngineQuery(node=parse_query(text), filters=filters, limit=100)
    got = engine.search(q)
    want = reference.search(DOCS, q)
    assert got.total == want.total
    assert sorted(i for i, _ in got.hits) == sorted(i for i, _ in want.hits)
    assert got.facets == want.facets


@pytest.mark.parametrize("limit", [1, 3, 10])
@pytest.mark.parametrize("text", ["", "Idlib", "outlet:RT", "nothingmatchesthis"])
@pytest.mark.parametrize("filters", [{}, {"outlet": ("RT", "BBC")}], ids=["none", "outlets"])
def test_facet_limit_is_the_head_of_the_full_list(engine, text, filters, limit):
    q = EngineQuery(node=parse_query(text), filters=filters, limit=0)
    full = engine.search(q).facets
    limited = engine.search(dataclasses.replace(q, facet_limit=limit)).facets
    assert limited == {f: counts[:limit] for f, counts in full.items()}
    assert limited == reference.search(DOCS, dataclasses.replace(q, facet_limit=limit)).facets


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_order_is_exact_and_undated_last(engine, sort):
    q = EngineQuery(node=parse_query(""), sort=sort, limit=100)
    assert [i for i, _ in engine.search(q).hits] == [i for i, _ in reference.search(DOCS, q).hits]


def test_paging_slices_the_same_order(engine):
    full = [i for i, _ in engine.search(EngineQuery(node=parse_query("airstrikes OR Idlib"), limit=100)).hits]
    pages = []
    for offset in range(0, len(full), 2):
        page = engine.search(EngineQuery(node=parse_query("airstrikes OR Idlib"), offset=offset, limit=2))
        pages.extend(i for i, _ in page.hits)
    assert pages == full


def test_relevance_puts_title_matches_first(engine):
    hits = engine.search(EngineQuery(node=parse_query("Idlib"), limit=10)).hits
    assert {hits[0][0], hits[1][0]} == {"a1", "a2"}


def test_replace_and_delete(engine, tmp_path):
    eng = engine_class(engine.name).create(tmp_path / "replace")
    with eng.writer(fresh=True) as w:
        w.add_many(DOCS[:3])
    with eng.writer() as w:
        w.add(IndexDoc("a1", "Replaced title", "Nothing about the province now.", "RT", None))
        w.delete("a2")
    assert eng.doc_count() == 2
    assert eng.search(EngineQuery(node=parse_query("Idlib"))).total == 0
    assert eng.search(EngineQuery(node=parse_query("replaced"))).hits[0][0] == "a1"
    eng.close()


def test_similar_finds_the_same_story(engine):
    similar = engine.similar(DOCS[0].title + " " + DOCS[0].body, limit=3, exclude=["a1"])
    assert similar and similar[0][0] in {"a2", "a5"}
    assert all(i != "a1" for i, _ in similar)
