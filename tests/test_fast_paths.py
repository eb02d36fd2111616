"""The fast paths return exactly what the plain paths return.

The Whoosh engine answers from numpy masks, numpy BM25F scores, cached facet
pairs and its own indexing shortcut; the highlighter and the store's content
hash were rewritten for speed.  Each is compared here with the straightforward
way (Whoosh's own matchers and scores, ``groupedby``, ``sortedby``, its analyzer
chain; the original algorithms) on a few hundred synthetic documents spread over
several segments, with replacements and deletions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import pickle
import random
from collections import Counter

import numpy as np
import pytest
from whoosh import fields as whoosh_fields
from whoosh import sorting

from index import whoosh_segments
from index.analysis import analyse, stem, tokens
from index.engine import EngineQuery, IndexDoc, sort_facet_counts
from index.facet_pairs import PairsByValue
from index.whoosh_engine import FACETS_FILE, FacetColumns, WhooshEngine, build_schema, to_whoosh
from newsdex.models import Article, DateInfo, Mention
from newsdex.store import content_hash
from search.highlight import Highlighter, _best_windows
from search.query import parse_query

WORDS = (
    "the of and to in said minister strike strikes striking airstrike airstrikes rebels government talks "
    "ceasefire city province report reported reporting civilians killed forces state islamic united nations "
    "oil prices market shares bank rates election vote voters senate house white court supreme health care"
).split()
ACTORS = ["Islamic State", "United Nations", "White Helmets", "Vladimir Putin", "Donald Trump", "Reuters Staff"]
PLACES = ["Idlib", "Syria", "Raqqa", "Geneva", "Hama", "Washington"]
OUTLETS = ["RT", "BBC", "Reuters", "Al Jazeera", None]

QUERIES = [
    "",
    "strike",
    "airstrikes",
    "strikes rebels",
    "oil OR shares",
    "ceasefire -killed",
    "NOT city",
    '"islamic state"',
    '"white house"',
    '"supreme court" health',
    "title:minister",
    "body:talks",
    "strik*",
    "outlet:RT",
    'actor:"White Helmets"',
    "location:Idlib strike",
    "date:2017-09",
    "date:..2016",
    "date:2017-01-15..2018-02-01 report",
    "(oil OR bank) AND NOT outlet:BBC",
    "nothingmatchesthis",
]
FILTERS = [{}, {"outlet": ("RT", "BBC")}, {"actor": ("Islamic State",), "location": ("Syria", "Geneva")}]


def _docs(n: int, seed: int, prefix: str = "d") -> list[IndexDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
        body = ". ".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 15))) for _ in range(rng.randint(2, 6))
        )
        date = None if rng.random() < 0.15 else dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
        docs.append(
            IndexDoc(
                id=f"{prefix}{i:04d}",
                title=title,
                body=body,
                outlet=rng.choice(OUTLETS),
                date=date,
                actors=tuple(rng.sample(ACTORS, rng.randint(0, 3))),
                locations=tuple(rng.sample(PLACES, rng.randint(0, 2))),
            )
        )
    return docs


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """Three segments (two commits plus a replacing one) with deletions: the awkward case for docnum maths."""
    eng = WhooshEngine.create(tmp_path_factory.mktemp("fast-paths"))
    first, second = _docs(150, 1, "a"), _docs(150, 2, "b")
    with eng.writer(fresh=True) as writer:
        writer.add_many(first)
    with eng.writer() as writer:
        writer.add_many(second)
    with eng.writer() as writer:
        writer.add_many(dataclasses.replace(d, title=d.title + " replaced") for d in _docs(20, 3, "a"))
        for doc in second[:10]:
            writer.delete(doc.id)
    yield eng
    eng.close()


def _plain_docnums(snapshot, text: str) -> set[int]:
    return set(snapshot.searcher.docs_for_query(to_whoosh(parse_query(text))))


@pytest.mark.parametrize("text", QUERIES)
def test_matches_equal_whoosh_matchers(engine, text):
    snapshot = engine._current()
    fast = {int(d) for d in snapshot.match(parse_query(text)).nonzero()[0]}
    assert fast == _plain_docnums(snapshot, text)


@pytest.mark.parametrize("text", QUERIES)
def test_facet_counts_equal_groupedby(engine, text):
    snapshot = engine._current()
    node = parse_query(text)
    result = engine.search(EngineQuery(node=node, limit=0))
    groupedby = {f: sorting.FieldFacet(f, allow_overlap=True, maptype=sorting.Count) for f in result.facets}
    plain = snapshot.searcher.search(to_whoosh(node), limit=None, groupedby=groupedby)
    for facet, counts in result.facets.items():
        expected = {value: n for value, n in plain.groups(facet).items() if value is not None}
        assert counts == sort_facet_counts(expected), facet
    assert result.total == len(plain)


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("text", ["", "strike", "oil OR shares", "date:2016"])
def test_filtered_totals_and_facets_equal_plain_evaluation(engine, text, filters):
    snapshot = engine._current()
    base = _plain_docnums(snapshot, text)
    stored = {d: snapshot.searcher.stored_fields(d)["id"] for d in base}
    by_id = {doc.id: doc for doc in _docs(150, 1, "a") + _docs(150, 2, "b") + _docs(20, 3, "a")}

    def values(docnum: int, facet: str) -> set[str]:
        return set(by_id[stored[docnum]].facet_values(facet))

    def passes(docnum: int, skip: str | None = None) -> bool:
        return all(values(docnum, f) & set(v) for f, v in filters.items() if f != skip)

    result = engine.search(EngineQuery(node=parse_query(text), filters=filters, limit=0))
    assert result.total == sum(1 for d in base if passes(d))
    for facet, counts in result.facets.items():
        expected: Counter[str] = Counter()
        for d in base:
            if passes(d, skip=facet):
                expected.update(values(d, facet))
        assert counts == sort_facet_counts(expected)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("text", ["", "strike", "date:2016 OR oil"])
def test_date_order_equals_whoosh_sortedby(engine, text, sort):
    snapshot = engine._current()
    sortedby = sorting.MultiFacet(
        [sorting.FieldFacet("dated", reverse=True), sorting.FieldFacet("date", reverse=sort == "newest")]
    )
    plain = snapshot.searcher.search(to_whoosh(parse_query(text)), limit=40, sortedby=sortedby)
    expected = [hit["id"] for hit in plain][5:35]
    fast = engine.search(EngineQuery(node=parse_query(text), sort=sort, offset=5, limit=30, facets=()))
    assert [doc_id for doc_id, _ in fast.hits] == expected


def _assert_same_ranking(fast: list[tuple[str, float]], plain: list[tuple[str, float]]) -> None:
    """Same hits with the same scores; ranks may differ only between scores equal to 1e-9.

    Whoosh adds the parts of an AND in an order of its own, which can change a sum's last bit
    (index/whoosh_ranking.py), so near-equal scores are ties broken by docnum on our side.
    """
    assert len(fast) == len(plain)
    for (fast_id, fast_score), (plain_id, plain_score) in zip(fast, plain, strict=True):
        assert fast_score == pytest.approx(plain_score, rel=1e-12, abs=1e-12)
        if fast_id != plain_id:
            assert round(fast_score, 9) == round(plain_score, 9)
    last = round(plain[-1][1], 9) if plain else None
    assert {i for i, sc in fast if round(sc, 9) != last} == {i for i, sc in plain if round(sc, 9) != last}


def _whoosh_ranking(snapshot, node, allowed: set[int] | None = None) -> list[tuple[str, float]]:
    """Whoosh's score for every match, best first, ties to the lower docnum.

    Every match, not ``limit=10``: Whoosh's top-N collection can leave out a document that
    scores higher than the ones it returns (seen here with a replaced document, also with
    ``optimize=False``), so its scores are the reference, not its shortlist.
    """
    hits = snapshot.searcher.search(to_whoosh(node), limit=None, filter=allowed)
    return [(h["id"], float(h.score)) for h in sorted(hits, key=lambda h: (-h.score, h.docnum))]


RANKED_QUERIES = [
    *QUERIES,
    "strikes rebels talks",
    "oil OR shares OR bank OR vote",
    "strike -city -oil",
    '"islamic state" minister -court',
    "c* strike",
    "s*",
]


@pytest.mark.parametrize("filters", [{}, FILTERS[1]])
@pytest.mark.parametrize("offset", [0, 7])
@pytest.mark.parametrize("text", RANKED_QUERIES)
def test_relevance_hits_equal_plain_search(engine, text, offset, filters):
    snapshot = engine._current()
    node = parse_query(text)
    fast = engine.search(EngineQuery(node=node, offset=offset, filters=filters, facets=()))
    allowed = None
    if filters:
        allowed = {int(d) for d in np.flatnonzero(snapshot.columns.having("outlet", filters["outlet"]))}
    _assert_same_ranking(fast.hits, _whoosh_ranking(snapshot, node, allowed)[offset : offset + 10])


def test_large_segments_score_like_plain_search(tmp_path):
    """Whoosh's OR picks another matcher above 5,000 documents a segment: prefixes then score as sums."""
    eng = WhooshEngine.create(tmp_path / "big")
    with eng.writer(fresh=True) as writer:
        writer.add_many(_docs(5200, 7, "g"))
    snapshot = eng._current()
    assert snapshot.size > 5000 and len(snapshot.leaves) == 1
    for text in ["c*", "s* oil", "strikes rebels talks", "oil OR shares OR bank", '"islamic state" -c*']:
        node = parse_query(text)
        _assert_same_ranking(eng.search(EngineQuery(node=node, facets=())).hits, _whoosh_ranking(snapshot, node)[:10])
    eng.close()


def test_caches_follow_new_commits(engine, tmp_path):
    eng = WhooshEngine.create(tmp_path / "ix")
    with eng.writer(fresh=True) as writer:
        writer.add_many(_docs(30, 5))
    before = eng.search(EngineQuery(node=parse_query("strike")))
    with eng.writer() as writer:
        writer.add_many(_docs(30, 6, "z"))
    after = eng.search(EngineQuery(node=parse_query("strike")))
    plain = _plain_docnums(eng._current(), "strike")
    assert after.total == len(plain) > before.total
    eng.close()


def _columns_state(columns) -> tuple:
    return (
        columns.values,
        {f: a.tolist() for f, a in columns.docs.items()},
        {f: a.tolist() for f, a in columns.pair_codes.items()},
    )


def test_counting_pairs_in_value_order_equals_counting_the_matches():
    """The pass over every pair (broad queries) counts what a count over the matches' values counts,
    also for a value left without pairs and for a facet without pairs."""
    rng = random.Random(5)
    documents = np.array([rng.randrange(300) for _ in range(2_000)])
    codes = np.array([rng.randrange(40) for _ in range(2_000)])
    codes[codes == 7] = 8  # value 7 has no pair
    pairs = PairsByValue.of(documents, codes, 41)
    for share in (0.0, 0.3, 0.9, 1.0):
        matched = np.array([rng.random() < share for _ in range(300)])
        expected = Counter(int(c) for d, c in zip(documents, codes, strict=True) if matched[d])
        assert pairs.counts(matched).tolist() == [expected.get(code, 0) for code in range(41)]
    empty = PairsByValue.of(np.empty(0, np.int32), np.empty(0, np.int32), 3)
    assert empty.counts(np.ones(10, dtype=bool)).tolist() == [0, 0, 0]


def test_saved_facet_pairs_equal_decoding_the_column(engine):
    snapshot = engine._current()
    keys = [reader.segment().segment_id() for reader, _ in snapshot.leaves]
    assert sorted(p.name for p in engine.path.glob("newsdex-facets-*.npz")) == sorted(
        FACETS_FILE.format(k) for k in keys
    )
    from_disk = FacetColumns(snapshot.searcher, {}, engine.path)
    decoded = FacetColumns(snapshot.searcher, {})
    assert _columns_state(from_disk) == _columns_state(decoded)


def test_unreadable_or_stale_saved_facets(tmp_path, monkeypatch):
    import index.whoosh_engine as whoosh_engine

    eng = WhooshEngine.create(tmp_path / "ix")
    for seed in (1, 2):
        with eng.writer() as writer:
            writer.add_many(_docs(40, seed, f"s{seed}"))
    first = sorted(p.name for p in eng.path.glob("newsdex-facets-*.npz"))
    assert len(first) == 2
    (eng.path / first[0]).write_bytes(b"not an npz file")
    snapshot = eng._current()
    assert _columns_state(snapshot.columns) == _columns_state(FacetColumns(snapshot.searcher, {}))
    monkeypatch.setattr(whoosh_engine, "MERGE_FACTOR", 2)  # the next commit merges the two segments
    with eng.writer() as writer:
        writer.add_many(_docs(5, 3, "t"))
    now = sorted(p.name for p in eng.path.glob("newsdex-facets-*.npz"))
    assert len(now) == len(eng._current().leaves) and not set(first) & set(now)
    eng.close()


def _index_contents(eng) -> list:
    """Everything a reader can get back from each segment: documents, lengths, columns, terms, postings."""
    schema = eng._ix.schema
    contents = []
    with eng._ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            n = leaf.doc_count_all()
            docs = [(d, leaf.is_deleted(d), leaf.stored_fields(d)) for d in range(n)]
            lengths = {f: [leaf.doc_field_length(d, f) for d in range(n)] for f in schema.scorable_names()}
            columns = {f: list(leaf.column_reader(f, translate=False)) for f in schema.names() if schema[f].column_type}
            terms = {}
            for field, btext in leaf.all_terms():
                info = leaf.term_info(field, btext)
                matcher = leaf.postings(field, btext)
                matcher = getattr(matcher, "child", matcher)  # deleted documents too
                postings, blocks = [], []
                while matcher.is_active():
                    last = matcher.block_max_id()
                    stats = (matcher.block_min_length(), matcher.block_max_length(), matcher.block_max_weight(), last)
                    before = len(postings)
                    while matcher.is_active() and matcher.id() <= last:
                        postings.append((matcher.id(), matcher.weight(), matcher.value()))
                        matcher.next()
                    blocks.append((*stats, len(postings) - before))
                terms[field, btext] = (
                    (info.weight(), info.doc_frequency(), info.min_length(), info.max_length()),
                    (info.max_weight(), info.min_id(), info.max_id()),
                    postings,
                    blocks,
                )
            contents.append((n, docs, lengths, columns, terms))
    return contents


def test_segment_writer_equals_whoosh_writer(tmp_path, monkeypatch):
    """Postings, term statistics, per-posting-block statistics, stored fields, lengths and columns."""
    from whoosh.writing import SegmentWriter

    import index.whoosh_engine as whoosh_engine

    copied = []
    copy_blocks = whoosh_segments.copy_blocks
    monkeypatch.setattr(whoosh_segments, "copy_blocks", lambda *args: copied.append(copy_blocks(*args)))
    built = {}
    for writer_class in (whoosh_engine.FastSegmentWriter, SegmentWriter):
        monkeypatch.setattr(whoosh_engine.WhooshWriter, "segment_writer", writer_class)
        monkeypatch.setattr(whoosh_engine, "MERGE_FACTOR", 1000)
        eng = WhooshEngine.create(tmp_path / writer_class.__name__)
        with eng.writer(fresh=True) as writer:
            writer.add_many(_docs(300, 1, "a"))
        with eng.writer() as writer:
            writer.add_many(_docs(280, 2, "b"))  # with the 20 replacements: 300, the first one's size tier
            writer.add_many(dataclasses.replace(d, body=d.body + " replaced") for d in _docs(20, 1, "a"))
            writer.delete("a0100")
        first = _index_contents(eng)
        monkeypatch.setattr(whoosh_engine, "MERGE_FACTOR", 2)
        with eng.writer() as writer:
            writer.add_many(_docs(30, 3, "c"))
        built[writer_class] = (first, _index_contents(eng))
        eng.close()
    fast, plain = built.values()
    assert fast[0] == plain[0]
    # Merged: the same documents, postings and term statistics.  Blocks copied from a merged segment
    # keep that segment's cuts (Whoosh re-cuts every 128 postings), so each block is checked against
    # the postings it holds instead.
    assert _without_blocks(fast[1]) == _without_blocks(plain[1])
    _assert_blocks_describe_their_postings(fast[1])
    assert copied, "the segment without deletions had its blocks copied"
    segments = plain[0]
    assert len(segments) == 2 and any(deleted for _, deleted, _ in segments[0][1])
    assert max(len(blocks) for *_, blocks in segments[0][4].values()) > 1  # several blocks per term
    # The third commit's documents became a segment, then a merge of its own joined the first two
    # (renumbering around deleted documents): the new segment stayed apart, in a lower size tier.
    assert [n for n, *_ in plain[1]] == [30, 579]


def test_a_commit_that_adds_and_merges_equals_whoosh(tmp_path, monkeypatch):
    """newsdex commits new documents and merges apart; the segment writer still does both at once
    (new postings of terms the merged segments hold go first, then the copied blocks)."""
    from whoosh.writing import SegmentWriter

    import index.whoosh_engine as whoosh_engine

    monkeypatch.setattr(whoosh_engine, "MERGE_FACTOR", 1000)
    built = []
    for writer_class in (whoosh_engine.FastSegmentWriter, SegmentWriter):
        monkeypatch.setattr(whoosh_engine.WhooshWriter, "segment_writer", writer_class)
        eng = WhooshEngine.create(tmp_path / writer_class.__name__)
        for seed, prefix in ((1, "a"), (2, "b")):
            with eng.writer() as writer:
                writer.add_many(_docs(150, seed, prefix))
        raw = writer_class(eng._ix)
        for doc in _docs(40, 3, "c"):
            raw.add_document(**whoosh_engine._doc_fields(doc))
        raw.commit(optimize=True)
        built.append(_index_contents(eng))
        eng.close()
    fast, plain = built
    assert [n for n, *_ in fast] == [340]
    assert _without_blocks(fast) == _without_blocks(plain)
    _assert_blocks_describe_their_postings(fast)


def test_segment_writer_equals_whoosh_writer_on_long_documents(tmp_path, monkeypatch):
    """Positions past 255 and 65,535, a word repeated past pickle's batch of 1,000 appends, position
    lists longer than 255 bytes, terms of many blocks, and weights of every kind (title boost 2);
    the bulk writer lays out a few dozen postings at a time (terms larger than that whole)."""
    from whoosh.writing import SegmentWriter

    import index.whoosh_blocks as whoosh_blocks
    import index.whoosh_engine as whoosh_engine

    monkeypatch.setattr(whoosh_blocks, "CHUNK_POSTINGS", 50)
    monkeypatch.setattr(whoosh_segments, "PACK_WORDS", 1000)

    rng = random.Random(11)
    long_body = " ".join(
        "often" if i % 45 == 0 else "sometimes" if i % 700 == 0 else "finally" if i == 69_999 else rng.choice(WORDS)
        for i in range(70_000)
    )
    docs = [*_docs(200, 12, "s"), IndexDoc("long", "Often often rare title", long_body, "RT", dt.date(2017, 3, 4))]
    docs += _docs(100, 13, "t")
    built = []
    for writer_class in (whoosh_engine.FastSegmentWriter, SegmentWriter):
        monkeypatch.setattr(whoosh_engine.WhooshWriter, "segment_writer", writer_class)
        eng = WhooshEngine.create(tmp_path / writer_class.__name__)
        with eng.writer(fresh=True) as writer:
            writer.add_many(docs)
        built.append(_index_contents(eng))
        eng.close()
    fast, plain = built
    assert fast == plain
    ((_, _, lengths, _, terms),) = fast
    assert max(lengths["body"]) > 65_536
    assert max(len(blocks) for (field, _), (*_, blocks) in terms.items() if field == "body") > 1
    (often,) = terms["body", b"often"][2]
    assert often[1] == 1556 and len(often[2]) > 2 * 1000  # more than 1,000 positions, over 255 bytes
    assert b"J" in terms["body", b"final"][2][0][2]  # a first position over 65,535
    title_weights = {
        weight for (field, _), (_, _, postings, _) in terms.items() if field == "title" for _, weight, _ in postings
    }
    assert {2.0, 4.0} <= title_weights


def _without_blocks(contents: list) -> list:
    return [(*segment[:4], {term: stats[:3] for term, stats in segment[4].items()}) for segment in contents]


def _assert_blocks_describe_their_postings(contents: list) -> None:
    for _, _, lengths, _, terms in contents:
        for (field, _), (_, _, postings, blocks) in terms.items():
            assert sum(block[4] for block in blocks) == len(postings)
            start = 0
            for min_length, max_length, max_weight, last, count in blocks:
                held = postings[start : start + count]
                start += count
                assert count and last == held[-1][0] and max_weight == max(weight for _, weight, _ in held)
                if field in lengths:
                    present = [lengths[field][docnum] for docnum, _, _ in held if lengths[field][docnum]]
                    assert (min_length, max_length) == (min(present, default=0), max(present, default=0))


def test_compressed_blocks_are_what_whoosh_reader_inflates():
    """Blocks are deflated by ISA-L where it is installed; Whoosh's reader inflates them with zlib."""
    import zlib

    from index.whoosh_blocks import COMPRESS_MIN, compress

    rng = random.Random(5)
    for size in (COMPRESS_MIN, 4096, 5000, 70_000):
        block = pickle.dumps(([rng.randrange(300) for _ in range(size // 4)], [1.0] * 8, b"x" * 99), protocol=3)
        assert zlib.decompress(compress(block)) == block
        assert len(compress(block)) < len(block)


def test_shifting_a_pickled_first_gap_equals_pickling_the_shifted_gaps():
    from index.whoosh_segments import _shift_first_gap

    rng = random.Random(3)
    edges = [0, 1, 254, 255, 256, 65_534, 65_535, 65_536, 2**31 - 2]
    for _ in range(500):
        gaps = tuple(rng.choice([rng.choice(edges), rng.randint(0, 300)]) for _ in range(rng.randint(1, 6)))
        shift = rng.choice([0, 1, 200, 70_000, rng.randint(0, 2**31 - 1 - gaps[0])])
        rest = rng.choice([(None, (b"x", b"y")), (2.0, None), ((1.0, 2.0), b"ab")])
        shifted = (gaps[0] + shift, *gaps[1:])
        assert _shift_first_gap(pickle.dumps((gaps, *rest), 2), shift) == pickle.dumps((shifted, *rest), 2)


def test_a_large_batch_is_committed_in_parts_with_the_same_answers(tmp_path, monkeypatch):
    import index.whoosh_engine as whoosh_engine

    docs = _docs(250, 4, "p")
    answers = {}
    for part in (100, 10_000):
        monkeypatch.setattr(whoosh_engine, "SEGMENT_DOCS", part)
        eng = WhooshEngine.create(tmp_path / str(part))
        with eng.writer(fresh=True) as writer:
            writer.add_many(docs)
        assert eng.doc_count() == 250
        segments = len(eng._current().leaves)
        results = [eng.search(EngineQuery(node=parse_query(q), limit=20)) for q in QUERIES]
        answers[part] = [(r.total, [i for i, _ in r.hits], r.facets) for r in results]
        eng.close()
        assert segments == (3 if part == 100 else 1)
    assert answers[100] == answers[10_000]


def test_position_encoding_equals_whoosh():
    from whoosh.formats import Positions

    from index.whoosh_segments import encode_positions

    rng = random.Random(5)
    cases = [[0], [7], [8191], [8192], [70_000], [3, 9], [0, 1, 2, 500, 100_000]]
    cases += [sorted(rng.sample(range(5000), rng.randint(1, 40))) for _ in range(200)]
    for positions in cases:
        assert encode_positions(positions) == Positions().encode(positions)


def test_position_lists_encoded_at_once_equal_whoosh():
    from whoosh.formats import Positions

    from index.whoosh_blocks import encode_position_lists

    rng = random.Random(6)
    edges = [0, 1, 255, 256, 65_535, 65_536, 2**31 - 1]
    cases = [[0], [255], [256], [65_535], [65_536], [2**31 - 1], [0, 2**31 - 1], list(range(1000)), list(range(1001))]
    cases += [list(range(0, 5 * n, 5)) for n in (999, 1002, 2000, 2001)]
    for _ in range(300):
        picked = (
            rng.choice(edges) if rng.random() < 0.2 else rng.randint(0, 70_000) for _ in range(rng.randint(1, 12))
        )
        cases.append(sorted(set(picked)))
    rng.shuffle(cases)
    counts = np.array([len(c) for c in cases])
    starts = np.cumsum(counts) - counts
    gaps = np.concatenate([np.diff(c, prepend=0) for c in cases])
    assert encode_position_lists(gaps, starts, counts) == [Positions().encode(c) for c in cases]


def test_words_of_a_failed_document_are_forgotten(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_segments, "PACK_WORDS", 2)  # earlier documents' words are packed
    eng = WhooshEngine.create(tmp_path / "ix")
    writer = eng.writer(fresh=True)
    writer.add(IndexDoc("ok1", "First title", "alpha beta", "RT", dt.date(2016, 1, 2)))
    with pytest.raises(ValueError, match="invalid literal"):  # after its body was read (fields go by name)
        writer._writer.add_document(id="bad", title="Broken title", body="gamma delta", dated="not a number")
    writer.add(IndexDoc("ok2", "Second title", "alpha epsilon", "BBC", None))
    writer.commit()
    for word, expected in (("alpha", ["ok1", "ok2"]), ("gamma", []), ("broken", []), ("epsilon", ["ok2"])):
        found = eng.search(EngineQuery(node=parse_query(word), limit=10))
        assert sorted(i for i, _ in found.hits) == expected
    eng.close()


def test_fast_indexing_equals_the_analyzer_chain():
    field = build_schema()["body"]
    for doc in _docs(50, 7):
        extras = (" U.S. e-mail 3.5% CAPS_and_under", " Ünïcode naïve café İstanbul ΟΔΟΣ 3½ हिन्दी")
        for text in (doc.body + extra for extra in extras):
            fast = sorted(field.index(text))
            plain = sorted(whoosh_fields.FieldType.index(field, text))
            assert fast == plain
            assert {t.decode() for t, *_ in fast} == set(analyse(text))


# -- highlighting: the rewritten spans and windows against the original algorithm -----------------
def _reference_spans(hl: Highlighter, text: str) -> list[tuple[int, int]]:
    toks = [(start, end, stem(word), word) for word, start, end in tokens(text)]
    hit = [tok[2] in hl.words or any(tok[3].startswith(p) for p in hl.prefixes) for tok in toks]
    for phrase in hl.phrases:
        n = len(phrase)
        for i in range(len(toks) - n + 1):
            if all(toks[i + k][2] == phrase[k] for k in range(n)):
                for k in range(n):
                    hit[i + k] = True
    spans: list[tuple[int, int]] = []
    for (start, end, _, _), is_hit in zip(toks, hit, strict=True):
        if is_hit:
            gap = text[spans[-1][1] : start] if spans else "x"
            if spans and gap.strip() == "" and len(gap) <= 2 and "\n" not in gap:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def _reference_scores(text: str, spans: list[tuple[int, int]], width: int) -> list[tuple[int, int, int]]:
    scored = []
    for i, (s, _) in enumerate(spans):
        covered = {text[a:b].lower() for a, b in spans[i:] if b <= s + width}
        scored.append((len(covered), -i, s))
    return sorted(scored, reverse=True)


_NON_ASCII = (
    "",  # ASCII: no per-candidate boundary check
    " “Strike” — ÉTAT, état; Straße STRASSE naïve café",  # lowercased at the same offsets
    " सैन्य strike हिन्दी भाषा ΟΔΟΣ οδος Σ τάξ",  # vowel signs before a root, Greek final sigma
    " İstanbul strikes İdlib",  # lowercasing lengthens the text: the slower path
)


@pytest.mark.parametrize(
    "text",
    ["strike", '"islamic state" talks', "strik* oil", "title:minister city", "tax said", "ΟΔΟΣ", "οδο*", "istanbul"],
)
def test_highlight_spans_equal_reference(text):
    for field in ("title", "body"):
        hl = Highlighter(parse_query(text), field)
        for n, doc in enumerate(_docs(40, 8)):
            extra = _NON_ASCII[n % len(_NON_ASCII)]
            body = doc.body.replace(". ", ".\n\n", 2) + " Islamic  State. islamic\nstate taxes Tax" + extra
            assert hl.spans(body) == _reference_spans(hl, body)


def test_snippet_windows_equal_reference(monkeypatch):
    import search.highlight as highlight

    hl = Highlighter(parse_query("strike OR state OR oil"), "body")
    for doc in _docs(40, 9):
        text = doc.body * 3
        spans = hl.spans(text)
        if not spans:
            continue
        fast = _best_windows(text, spans, 220, 2)
        chosen = []
        for _, _, s in _reference_scores(text, spans, 220):
            start = highlight._window_start(text, s, 220)
            end = min(len(text), start + 220)
            end = start + highlight._cut_end(text[start:], end - start) if end < len(text) else end
            if any(not (end <= a or start >= b) for a, b in chosen):
                continue
            chosen.append((start, end))
            if len(chosen) == 2:
                break
        assert fast == sorted(chosen)


# -- the store's content hash ---------------------------------------------------------------------
def test_content_hash_equals_the_asdict_version():
    article = Article(
        id="x1",
        title="Title",
        text="Body text ünïcode",
        source="s.txt",
        url="https://example.org/a",
        outlet="RT",
        date=DateInfo(dt.date(2017, 9, 1), "published", "dataset"),
        author="A. Writer",
        actors=["Islamic State"],
        locations=["Idlib"],
        mentions=[Mention("ISIS", "Islamic State", "armed_group", 3, 7)],
        extractor="x 1",
        ingested_at="2024-01-01T00:00:00+00:00",
        extra={"removed_lines": ["Share this"], "when": dt.date(2020, 1, 1)},
    )
    payload = article.to_dict()
    payload.pop("ingested_at")
    expected = hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    assert content_hash(article) == expected


# -- phrases and prefixes: numpy candidates plus positions, lexicon expansion, numpy scoring ------
EDGE_QUERIES = [
    '"strike strikes"',
    '"the the"',
    '"of the"',
    '"state islamic"',
    '"white house" OR "supreme court"',
    'title:"oil prices"',
    'body:"health care" -"white house"',
    '"united nations" strik*',
    "air*",
    "title:rep*",
    "body:c*",
    "zzz*",
    '"nothingmatchesthis strike"',
]


@pytest.mark.parametrize("text", [*EDGE_QUERIES, *(q for q in QUERIES if '"' in q or "*" in q)])
def test_phrase_and_prefix_masks_equal_whoosh_matchers(engine, text):
    snapshot = engine._current()
    snapshot.forget_phrases()
    fast = {int(d) for d in snapshot.match(parse_query(text)).nonzero()[0]}
    assert fast == _plain_docnums(snapshot, text)


@pytest.mark.parametrize("text", [*EDGE_QUERIES, '"islamic state"', '"white house" talks', "strik*"])
@pytest.mark.parametrize("offset", [0, 7])
def test_phrase_and_prefix_scoring_equals_plain_search(engine, text, offset):
    snapshot = engine._current()
    node = parse_query(text)
    expected = _whoosh_ranking(snapshot, node)[offset : offset + 10]
    _assert_same_ranking(engine.search(EngineQuery(node=node, offset=offset, facets=())).hits, expected)
    _assert_same_ranking(engine.search(EngineQuery(node=node, offset=offset, facets=())).hits, expected)  # cached


def test_phrases_use_the_position_fast_path(engine):
    snapshot = engine._current()
    snapshot.forget_phrases()
    snapshot.match(parse_query('"islamic state"'))
    found = snapshot.phrase_docs("body", (stem("islamic"), stem("state")))
    assert found is not None and len(found) == len(snapshot.leaves) > 1


def test_evicted_phrases_still_score_like_plain_search(engine, monkeypatch):
    import index.whoosh_engine as whoosh_engine

    monkeypatch.setattr(whoosh_engine, "PHRASE_CACHE_IDS", 5)
    snapshot = engine._current()
    snapshot.forget_phrases()
    for text in ['"islamic state" OR "white house"', '"supreme court" health', '"of the"']:
        node = parse_query(text)
        _assert_same_ranking(
            engine.search(EngineQuery(node=node, facets=())).hits, _whoosh_ranking(snapshot, node)[:10]
        )
        assert {int(d) for d in snapshot.match(node).nonzero()[0]} == _plain_docnums(snapshot, text)
    assert len(snapshot._phrases) == 1
    snapshot.forget_phrases()
