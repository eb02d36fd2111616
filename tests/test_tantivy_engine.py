"""What the contract tests cannot see of the tantivy engine.

Persistence across opens, writer locking, freshness after another writer's commit, awkward
facet values and words, exact facet counts at a high cardinality and over several aggregation
requests, and the row tables beside the index: kept in step with commits, and an index whose
tables are missing or that predates them is refused rather than miscounted.  Results are
compared with the brute-force reference engine, never with Whoosh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

pytest.importorskip("tantivy", reason="tantivy is not installed (pip install '.[tantivy]'); CI installs it")

from index import tantivy_engine, word_chars
from index.analysis import analyse
from index.engine import EngineQuery, IndexDoc
from index.manager import IndexOutdatedError, engine_class
from index.tantivy_engine import TantivyEngine
from search.query import DateRange, FacetValue, Not, parse_query
from tests import reference

DOCS = [
    IndexDoc(
        "t1",
        "Russia added sanctions",
        "The university said Moscow added new measures.",
        "RT",
        dt.date(2017, 9, 28),
        ("Russia",),
        ("Moscow",),
    ),
    IndexDoc(
        "t2",
        "Universal claims",
        "An organization in İstanbul organizes 3½ days of talks.",
        'The "Daily" <script>',
        dt.date(2017, 9, 28),
        ('Say "hi" <script>alert(1)</script>', r"back\slash"),
        ("İstanbul",),
    ),
    IndexDoc(
        "t3",
        "ΟΔΟΣ and Москва",
        "Ελλάδα and Москве: ministers met in Москва. Café naïve coöperation.",
        "Αθήνα",
        None,
        ("a.b*c?", "Russia"),
        ("Москва", "Ελλάδα"),
    ),
    IndexDoc(
        "t4",
        "Emergency",
        "Nothing special: emergency measures, international news.",
        "RT",
        dt.date(2015, 1, 1),
        ("Russia",),
        ("Moscow",),
    ),
]


def _search(engine, text="", filters=None, limit=100):
    q = EngineQuery(node=parse_query(text), filters=filters or {}, limit=limit)
    return engine.search(q), reference.search(DOCS, q)


@pytest.fixture
def engine(tmp_path):
    eng = TantivyEngine.create(tmp_path / "ix")
    with eng.writer(fresh=True) as writer:
        writer.add_many(DOCS)
    yield eng
    eng.close()


def test_manager_finds_the_engine():
    assert engine_class("tantivy") is TantivyEngine


def test_index_reopens_from_disk(engine, tmp_path):
    engine.close()
    again = TantivyEngine.open(tmp_path / "ix")
    assert again.doc_count() == len(DOCS)
    got = again.search(EngineQuery(node=parse_query("moscow OR москва"), limit=10))
    assert sorted(i for i, _ in got.hits) == ["t1", "t3"]
    with pytest.raises(FileNotFoundError):
        TantivyEngine.open(tmp_path / "nothing-here")


def test_writers_release_the_lock_and_run_once(engine):
    with engine.writer() as w:
        w.add(IndexDoc("t5", "Fifth", "more text", "BBC", None))
    with engine.writer() as w2:  # would fail with a lock error if the first writer were still alive
        w2.delete("t5")
    assert engine.doc_count() == len(DOCS)
    with pytest.raises(RuntimeError):
        w.add(IndexDoc("t6", "late", "too late", None, None))


def test_cancel_discards_and_replace_within_one_writer(engine):
    w = engine.writer()
    w.add(IndexDoc("t9", "Cancelled", "never visible", None, None))
    w.cancel()
    assert engine.search(EngineQuery(node=parse_query("cancelled"))).total == 0
    with engine.writer() as w:
        w.add(IndexDoc("t9", "First version", "draft", None, None))
        w.add(IndexDoc("t9", "Second version", "final", None, None))
    got = engine.search(EngineQuery(node=parse_query("version")))
    assert got.total == 1
    assert engine.search(EngineQuery(node=parse_query("final"))).total == 1
    assert engine.search(EngineQuery(node=parse_query("draft"))).total == 0


def test_search_sees_commits_made_through_another_handle(engine, tmp_path):
    other = TantivyEngine.open(tmp_path / "ix")
    assert other.doc_count() == len(DOCS)
    with engine.writer() as w:
        w.delete("t1")
        w.add(IndexDoc("t7", "Fresh story", "just in", "BBC", dt.date(2020, 1, 1), ("Fresh Actor",)))
    assert other.doc_count() == len(DOCS)
    assert [i for i, _ in other.search(EngineQuery(node=parse_query("fresh"))).hits] == ["t7"]
    assert other.search(EngineQuery(node=parse_query("sanctions"))).total == 0
    live = [d for d in DOCS if d.id != "t1"] + [IndexDoc("t7", "", "", "BBC", dt.date(2020, 1, 1), ("Fresh Actor",))]
    q = EngineQuery(node=parse_query(""))
    assert other.search(q).facets == reference.search(live, q).facets  # the new row table was read too
    other.close()


@pytest.mark.parametrize(
    "text",
    [
        "added",  # Whoosh's own Snowball port says "ad", the shared stemmer "add"
        "university",
        "organization",
        "universal",
        "3½",
        "ΟΔΟΣ",
        "Москва",
        "моск*",
        "café",
        '"ministers met"',
        "org*",
        "date:..",
        "NOT Russia",
    ],
)
def test_words_are_analysed_exactly_like_the_shared_analysis(engine, text):
    got, want = _search(engine, text)
    assert sorted(i for i, _ in got.hits) == sorted(i for i, _ in want.hits)
    assert got.facets == want.facets


WORD_SAMPLES = [
    "İİ ǅemal ﬁne Straße ΣΑΣ ΟΔΟΣ σας x²y ١٢٣ a_b",  # Turkish dotted I, titlecase digraph, ligature, final sigma
    "ŉ Ǆ ß İ 3½ CO₂ Ⓐb",  # No and So characters that Python's \w splits on and Rust keeps in the word
    "שָׁלוֹם हिन्दी e\u0301te",  # Hebrew points, Devanagari vowel signs, a combining accent: inside words
    "ap_sports https://apnews.com/x?a=1 Assad's al-Shughur 2015-10-01 U.S. F-16s",
    "x" * 60,  # longer than tantivy's default token limit, which newsdex's analyzer does not apply
]


@pytest.mark.parametrize("text", [*WORD_SAMPLES, *(d.title + " " + d.body for d in DOCS)])
def test_native_analysis_equals_the_shared_analysis(text):
    assert tantivy_engine.text_analyzer().analyze(text) == analyse(text)


def test_word_characters_are_tantivys():
    """The bundled table is what the installed tantivy's tokenizer does (regenerate: python -m index.word_chars)."""
    assert word_chars.parse_ranges(word_chars.ranges_from_tantivy()) == word_chars.parse_ranges()


@pytest.mark.parametrize(
    "filters",
    [
        {"outlet": ('The "Daily" <script>',)},
        {"actor": ('Say "hi" <script>alert(1)</script>', r"back\slash")},
        {"actor": ("a.b*c?",), "location": ("Ελλάδα",)},
        {"outlet": ("Αθήνα", "RT"), "month": ("unknown",)},
    ],
)
def test_awkward_facet_values_round_trip(engine, filters):
    got, want = _search(engine, "", filters)
    assert got.total == want.total > 0
    assert got.facets == want.facets


def test_facet_value_queries_are_never_parsed(engine):
    for facet, value in [("actor", 'Say "hi" <script>alert(1)</script>'), ("actor", "a.b*c?"), ("outlet", "Αθήνα")]:
        q = EngineQuery(node=FacetValue(facet, value))
        assert engine.search(q).total == reference.search(DOCS, q).total == 1


def test_multi_valued_facets_count_a_document_once(engine):
    with engine.writer() as w:  # articles list an entity once; a repeated value must not count twice
        w.add(IndexDoc("t8", "Duplicate values", "twice", "RT", None, ("Russia", "Russia"), ("Moscow", "Moscow")))
    got = engine.search(EngineQuery(node=parse_query("duplicate")))
    assert got.facets["actor"] == [("Russia", 1)]
    assert got.facets["location"] == [("Moscow", 1)]


def test_dates_ranges_and_sorting(engine):
    for node in (
        DateRange(None, None),
        DateRange(dt.date(2017, 9, 28), dt.date(2017, 9, 28)),
        Not(DateRange(None, None)),
    ):
        q = EngineQuery(node=node, limit=10)
        assert sorted(i for i, _ in engine.search(q).hits) == sorted(i for i, _ in reference.search(DOCS, q).hits)
    newest = [i for i, _ in engine.search(EngineQuery(node=parse_query(""), sort="newest")).hits]
    oldest = [i for i, _ in engine.search(EngineQuery(node=parse_query(""), sort="oldest")).hits]
    assert newest[-1] == oldest[-1] == "t3"  # undated last both ways
    assert newest[2] == oldest[0] == "t4"


def test_paging_past_the_end_and_zero_limit(engine):
    got = engine.search(EngineQuery(node=parse_query(""), offset=50, limit=10))
    assert got.total == len(DOCS)
    assert got.hits == []
    none, want = _search(engine, "measures", limit=0)
    assert none.total == want.total == 2
    assert none.hits == []
    assert none.facets == want.facets


# -- many documents, many facet values ----------------------------------------------------------
WORDS = "strike raid talks ceasefire convoy aid shelling army rebels truce refugees border".split()


def synthetic_docs(n: int, seed: int = 7) -> list[IndexDoc]:
    """Documents whose actors and locations have a long tail of values (hundreds of distinct ones)."""
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        words = rnd.choices(WORDS, k=rnd.randint(3, 20))
        date = None if rnd.random() < 0.1 else dt.date(2015, 1, 1) + dt.timedelta(days=rnd.randrange(1500))
        actors = tuple(dict.fromkeys(f"Actor {int(rnd.paretovariate(1.2)) % 900}" for _ in range(rnd.randint(0, 4))))
        locations = tuple(dict.fromkeys(f"Place {rnd.randrange(1200)}" for _ in range(rnd.randint(0, 3))))
        outlet = rnd.choice([None, "RT", "BBC", "Reuters", "Al Jazeera", "SANA"])
        docs.append(IndexDoc(f"s{i:05d}", " ".join(words[:3]), " ".join(words), outlet, date, actors, locations))
    return docs


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    docs = synthetic_docs(2000)
    eng = TantivyEngine.create(tmp_path_factory.mktemp("big"))
    with eng.writer(fresh=True) as writer:
        writer.add_many(docs[:1200])
    with eng.writer() as writer:  # a second segment, and replacements of docs already indexed
        writer.add_many(docs[1000:])
    yield eng, docs
    eng.close()


BIG_QUERIES = ["", "strike", "strike OR truce", "-army", '"convoy aid"', "date:2016", "outlet:RT OR outlet:SANA"]
BIG_FILTERS = [
    {},
    {"outlet": ("BBC", "RT")},
    {"actor": ("Actor 1", "Actor 2"), "month": ("unknown", "2016-03")},
    {"location": ("Place 7",)},
]


# How the rows of a query are found: from the hits of a phrase query, from a search sorted by row
# (few matches), or from the block aggregation (many); each must give the same counts.
ROW_PATHS = {
    "hits": {"COLLECT_COSTLY": 10_000, "LONG_PHRASE": 2},
    "sorted": {"COLLECT_COSTLY": 0},
    "blocks": {"COLLECT_COSTLY": 0, "SMALL_MATCHES": 0},
}


@pytest.fixture(params=list(ROW_PATHS))
def row_path(request, monkeypatch):
    for name, value in ROW_PATHS[request.param].items():
        monkeypatch.setattr(tantivy_engine, name, value)
    return request.param


@pytest.mark.parametrize("text", BIG_QUERIES)
@pytest.mark.parametrize("filters", BIG_FILTERS)
def test_large_cardinality_facets_are_exact(big, row_path, text, filters):
    eng, docs = big
    q = EngineQuery(node=parse_query(text), filters=filters, limit=20, sort="oldest")
    got, want = eng.search(q), reference.search(docs, q)
    assert got.total == want.total
    assert got.facets == want.facets
    day = {d.id: d.date for d in docs}  # same-day ties may come in any order
    assert [day[i] for i, _ in got.hits] == [day[i] for i, _ in want.hits]


def test_rows_read_in_several_requests_stay_exact(big, monkeypatch):
    """With a tiny bucket limit the matching rows come in many aggregation requests; they must add up."""
    eng, docs = big
    monkeypatch.setattr(tantivy_engine, "MAX_BUCKETS", 3)
    monkeypatch.setattr(tantivy_engine, "SMALL_MATCHES", 0)
    monkeypatch.setattr(tantivy_engine, "COLLECT_COSTLY", 0)
    for text, filters in [("", {}), ("strike", {"outlet": ("RT",)}), ('"convoy aid"', {"actor": ("Actor 1",)})]:
        q = EngineQuery(node=parse_query(text), filters=filters)
        got, want = eng.search(q), reference.search(docs, q)
        assert (got.total, got.facets) == (want.total, want.facets)


def test_replaced_documents_leave_the_counts(big, row_path):
    """A replaced document's old row stays in the tables but never matches again."""
    eng, docs = big  # docs[1000:1200] were added twice: their first rows belong to deleted documents
    for text in ["strike OR truce", '"convoy aid" OR "army rebels"', ""]:
        q = EngineQuery(node=parse_query(text), facet_limit=5, offset=3, limit=4)
        got, want = eng.search(q), reference.search(docs, q)
        assert (got.total, got.facets) == (want.total, want.facets)


def test_date_order_is_exact_across_pages(big):
    eng, docs = big
    for sort in ("newest", "oldest"):
        pages = []
        for offset in range(0, 300, 50):
            page = eng.search(EngineQuery(node=parse_query("truce"), sort=sort, offset=offset, limit=50))
            pages.extend(i for i, _ in page.hits)
        want = reference.search(docs, EngineQuery(node=parse_query("truce"), sort=sort, limit=300)).hits
        day = {d.id: d.date for d in docs}
        assert [day[i] for i in pages] == [day[i] for i, _ in want]


def test_more_values_than_tantivys_bucket_limit(tmp_path):
    """Past 65,000 distinct values tantivy refuses the aggregation; the counts must still be exact."""
    n = tantivy_engine.MAX_BUCKETS + 1000
    eng = TantivyEngine.create(tmp_path / "many")
    with eng.writer(fresh=True) as writer:
        for i in range(n):
            writer.add(IndexDoc(f"m{i}", "x", "y", None, None, (f"Person {i}", f"Group {i % 3}")))
    got = eng.search(EngineQuery(node=parse_query(""), facets=("actor",), limit=1))
    counts = dict(got.facets["actor"])
    assert len(counts) == n + 3
    assert counts["Person 12345"] == 1
    assert got.facets["actor"][:3] == [(f"Group {k}", len(range(k, n, 3))) for k in range(3)]
    eng.close()


# -- row tables ----------------------------------------------------------------------------------
def _row_tables(path):
    return sorted(path.glob("newsdex-rows-*.npz"))


def test_each_commit_writes_one_row_table_continuing_the_last(engine, tmp_path):
    with engine.writer() as w:
        w.add(IndexDoc("t5", "Fifth", "more text", "BBC", None, ("Russia", "New Actor")))
    with engine.writer() as w:  # nothing added: no table
        w.delete("t5")
    names = [p.name for p in _row_tables(tmp_path / "ix")]
    assert names == ["newsdex-rows-000000000000-000000000004.npz", "newsdex-rows-000000000004-000000000005.npz"]
    again = TantivyEngine.open(tmp_path / "ix")
    q = EngineQuery(node=parse_query(""))
    assert again.search(q).facets == reference.search(DOCS, q).facets
    again.close()


def test_a_table_left_by_a_commit_that_never_happened_is_harmless(engine, tmp_path):
    """The table is saved before tantivy commits: if the commit never comes, its rows match nothing."""
    w = engine.writer()
    w.add(IndexDoc("t5", "Lost", "never committed", "Lost Outlet", None, ("Lost Actor",)))
    w._rows.save(tmp_path / "ix")  # as commit does, then the process dies before tantivy commits
    w.cancel()
    with engine.writer() as w:
        w.add(IndexDoc("t6", "Kept", "committed", "RT", None, ("Russia",)))
    assert [p.name[-16:-4] for p in _row_tables(tmp_path / "ix")] == ["000000000004", "000000000005", "000000000006"]
    docs = [*DOCS, IndexDoc("t6", "Kept", "committed", "RT", None, ("Russia",))]
    again = TantivyEngine.open(tmp_path / "ix")
    for text in ["", "lost", "kept OR russia"]:
        q = EngineQuery(node=parse_query(text))
        got, want = again.search(q), reference.search(docs, q)
        assert (got.total, got.facets) == (want.total, want.facets), text
    again.close()


@pytest.mark.parametrize("which", [0, -1])
def test_a_missing_row_table_is_refused_not_miscounted(engine, tmp_path, which):
    with engine.writer() as w:
        w.add(IndexDoc("t5", "Fifth", "more text", "BBC", None, ("Russia",)))
    engine.close()
    _row_tables(tmp_path / "ix")[which].unlink()
    with pytest.raises(IndexOutdatedError, match="rebuild"):
        TantivyEngine.open(tmp_path / "ix")


def test_an_index_from_before_the_row_tables_is_outdated(tmp_path):
    old = tantivy_engine.tantivy.SchemaBuilder()
    old.add_text_field("id", stored=True, tokenizer_name="raw")
    old.add_text_field("actor", fast=True, tokenizer_name="raw")
    old.add_integer_field("slice", indexed=True, fast=True)
    tantivy_engine.tantivy.Index(old.build(), path=str(tmp_path), reuse=False)
    with pytest.raises(IndexOutdatedError, match="rebuild"):
        TantivyEngine.open(tmp_path)


def test_create_drops_the_row_tables_of_the_index_it_replaces(engine, tmp_path):
    engine.close()
    fresh = TantivyEngine.create(tmp_path / "ix")
    assert _row_tables(tmp_path / "ix") == []
    with fresh.writer(fresh=True) as w:
        w.add_many(DOCS[:1])
    q = EngineQuery(node=parse_query(""))
    assert fresh.search(q).facets == reference.search(DOCS[:1], q).facets
    fresh.close()


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_page_is_the_same_with_or_without_facets(big, row_path, sort):
    """With facets a phrase query may take its page from a longer run of hits: the same page."""
    eng, _ = big
    for text in ['"convoy aid"', "strike", 'conv* "army rebels"']:
        for offset in (0, 5, 37):
            q = EngineQuery(node=parse_query(text), sort=sort, offset=offset, limit=7)
            plain = eng.search(dataclasses.replace(q, facets=()))
            assert eng.search(q).hits == plain.hits
            assert eng.search(q).total == plain.total
