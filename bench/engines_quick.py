"""A quick Whoosh-vs-tantivy comparison: build speed, query latency, and whether the answers agree.

Run as ``python bench/engines_quick.py --docs 20000``.  It reads the first N articles of
``../shared/corpus/news.jsonl.gz`` (next to the repo; ``--corpus`` to change, synthetic text if
it is missing), builds each engine from scratch in a temporary directory and runs a few query
types with all four facets counted, so the latency includes what a results page really costs.

The corpus has no entities, so actors are the first capitalised names of each article and
locations the known place names it mentions: cheap, deterministic, and a realistic long tail.
This is not ``make bench``; it only answers "how much faster, and still the same?".
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index.engine import Engine, EngineQuery, IndexDoc  # noqa: E402
from index.manager import engine_class  # noqa: E402
from search.query import parse_query  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "news.jsonl.gz"
PLACES = (
    "Syria Iraq Iran Russia Ukraine China Japan India Pakistan Afghanistan Israel Egypt Turkey Germany France "
    "Britain Mexico Canada Brazil Venezuela Cuba Libya Yemen Qatar Lebanon Jordan Korea Europe Africa Asia "
    "Washington Moscow Beijing London Paris Berlin Damascus Aleppo Idlib Baghdad Kabul Tehran Jerusalem Gaza "
    "Texas California Florida Ohio Iowa Virginia Michigan Georgia Arizona Nevada Chicago Boston Baltimore"
).split()
_PLACE_RE = re.compile(r"\b(" + "|".join(PLACES) + r")\b")
_NAME_RE = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")

# (label, query text, facet filters, sort)
QUERIES: list[tuple[str, str, dict[str, tuple[str, ...]], str]] = [
    ("all docs + facets", "", {}, "relevance"),
    ("one term", "president", {}, "relevance"),
    ("two terms (AND)", "trump immigration", {}, "relevance"),
    ("OR", "syria OR iraq OR afghanistan", {}, "relevance"),
    ('phrase "white house"', '"white house"', {}, "relevance"),
    ("prefix elect*", "elect*", {}, "relevance"),
    ("NOT", "economy -trump", {}, "relevance"),
    ("term + date range", "election date:2016", {}, "relevance"),
    ("term, newest first", "health", {}, "newest"),
    (
        "term + 2 facet filters",
        "police",
        {"location": ("Texas", "Chicago"), "month": ("2016-07", "2017-08")},
        "relevance",
    ),
]


def _entities(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    actors = tuple(itertools.islice(dict.fromkeys(_NAME_RE.findall(text)), 5))
    locations = tuple(itertools.islice(dict.fromkeys(_PLACE_RE.findall(text)), 4))
    return actors, locations


def corpus_docs(path: Path, n: int) -> Iterator[IndexDoc]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, n):
            rec = json.loads(line)
            date = dt.date.fromisoformat(rec["date"][:10]) if rec.get("date") else None
            actors, locations = _entities(rec["text"])
            yield IndexDoc(rec["id"], rec["title"], rec["text"], rec.get("outlet"), date, actors, locations)


def synthetic_docs(n: int) -> Iterator[IndexDoc]:
    rnd = random.Random(1)
    words = "the president said police health election economy trump immigration white house syria".split()
    for i in range(n):
        text = " ".join(rnd.choices(words + PLACES, k=300))
        date = None if rnd.random() < 0.05 else dt.date(2012, 1, 1) + dt.timedelta(days=rnd.randrange(3000))
        actors = tuple(dict.fromkeys(f"Person {int(rnd.paretovariate(1.1)) % 5000}" for _ in range(4)))
        yield IndexDoc(f"s{i}", text[:60], text, rnd.choice(["A", "B", "C"]), date, actors, _entities(text)[1])


def build(name: str, path: Path, docs: list[IndexDoc]) -> tuple[Engine, float]:
    start = time.perf_counter()
    engine = engine_class(name).create(path)
    with engine.writer(fresh=True) as writer:
        writer.add_many(docs)
    return engine, time.perf_counter() - start


def latencies(engine: Engine, q: EngineQuery, repeat: int) -> list[float]:
    engine.search(q)  # warm caches (Whoosh reads its facet columns once per index generation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.search(q)
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20_000, help="how many articles to index (default 20000)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="news.jsonl.gz to read")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per query (default 30)")
    parser.add_argument("--engines", default="whoosh,tantivy", help="comma-separated engine names")
    args = parser.parse_args(argv)
    names = args.engines.split(",")

    if args.corpus.exists():
        docs, source = list(corpus_docs(args.corpus, args.docs)), str(args.corpus.name)
    else:
        docs, source = list(synthetic_docs(args.docs)), "synthetic text (corpus not found)"
    print(f"{len(docs)} docs from {source}; {args.repeat} timed runs per query, all 4 facets counted\n")

    with tempfile.TemporaryDirectory(prefix="newsdex-bench-") as tmp:
        engines: dict[str, Engine] = {}
        build_seconds: dict[str, float] = {}
        for name in names:
            engines[name], build_seconds[name] = build(name, Path(tmp) / name, docs)
            seconds = build_seconds[name]
            print(f"build {name:8s} {seconds:8.1f} s   {len(docs) / seconds:8.0f} docs/s")
        if len(names) == 2:
            a, b = names
            print(f"build speed-up {b} vs {a}: {build_seconds[a] / build_seconds[b]:.1f}x")
        print()

        header = f"{'query':28s} {'hits':>6s}" + "".join(f" {n + ' p50':>12s} {n + ' p95':>12s}" for n in names)
        print(header + ("   speed-up p50" if len(names) == 2 else ""))
        disagreements = 0
        for label, text, filters, sort in QUERIES:
            q = EngineQuery(node=parse_query(text), filters=filters, sort=sort, limit=10)
            results = {n: e.search(q) for n, e in engines.items()}
            answers = {(r.total, json.dumps(r.facets)) for r in results.values()}
            disagreements += len(answers) > 1
            row = f"{label:28s} {next(iter(results.values())).total:6d}"
            p50s = []
            for engine in engines.values():
                times = latencies(engine, q, args.repeat)
                p50s.append(statistics.median(times))
                row += f" {p50s[-1] * 1000:10.1f}ms {p95(times) * 1000:10.1f}ms"
            if len(p50s) == 2:
                row += f"   {p50s[0] / p50s[1]:8.1f}x"
            print(row + ("   DIFFERENT ANSWERS" if len(answers) > 1 else ""))
        print(f"\ntotals and facet counts identical for {len(QUERIES) - disagreements}/{len(QUERIES)} queries")
        for engine in engines.values():
            engine.close()
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
