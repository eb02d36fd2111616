"""Measure actor/location extraction against the shared gold data and print one table.

Run as ``python bench/eval_entities.py [--shared PATH]``; the shared data dir defaults to
``$NEWSDEX_SHARED`` or ``../shared`` next to the repo. :func:`evaluate` returns the figures as
a dict (``make eval`` merges it with the extraction eval) and the script writes them to
``bench/results/eval_entities.json``.

How each figure is measured:

* seeds: ``gold/seeds_entities.json`` scoring rule, per article and micro-averaged over the five
  seeds. Sets are compared after alias normalisation (gold names and predictions both mapped
  through the alias table): TP = predicted & required, FP = predicted - required - optional,
  FN = required - predicted.
* FA-KES: share of the 804 articles whose crowd-given ``location`` (normalised through the table,
  e.g. "deir ezzor" -> "Deir ez-Zor") is among the extracted locations of title + text. The
  ceiling is below 1: some articles never name their labelled governorate.
* speed: articles per second of ``extract`` over seeds + FA-KES in this one process (one core).
* memory: resident set growth from loading the alias table and the GeoNames index, and the
  process total afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extract.alias_table import fold  # noqa: E402
from extract.entities import EntityExtractor  # noqa: E402

RESULTS = REPO / "bench" / "results" / "eval_entities.json"


def default_shared() -> Path:
    """``$NEWSDEX_SHARED`` or ``../shared`` beside the repo."""
    env = os.environ.get("NEWSDEX_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def _canon(extractor: EntityExtractor, name: str) -> str:
    """A gold or predicted name as the table's canonical value (unknown names stay as they are)."""
    entry = extractor._alias.get(fold(name).lower()) or extractor._acronym.get(fold(name))
    if entry is not None and entry.capital_of is None:
        return entry.name
    return entry.name if entry is not None else name


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def score_seeds(extractor: EntityExtractor, shared: Path) -> dict[str, Any]:
    gold = json.loads((shared / "gold" / "seeds_entities.json").read_text(encoding="utf-8"))
    per_doc: dict[str, Any] = {}
    totals = {f"{facet}_{k}": 0 for facet in ("actors", "locations") for k in ("tp", "fp", "fn")}
    for name, labels in sorted(gold["docs"].items()):
        text = (shared / "seeds" / name).read_text(encoding="utf-8")
        found = extractor.extract(text)
        doc: dict[str, Any] = {}
        for facet, predicted in (("actors", found.actors), ("locations", found.locations)):
            pred = {_canon(extractor, x) for x in predicted}
            req = {_canon(extractor, x) for x in labels[facet]}
            opt = {_canon(extractor, x) for x in labels.get(f"{facet}_optional", [])}
            tp, fp, fn = len(pred & req), sorted(pred - req - opt), sorted(req - pred)
            doc[facet] = {**_prf(tp, len(fp), len(fn)), "false_positives": fp, "missed": fn}
            totals[f"{facet}_tp"] += tp
            totals[f"{facet}_fp"] += len(fp)
            totals[f"{facet}_fn"] += len(fn)
        per_doc[name] = doc
    micro = {
        facet: _prf(totals[f"{facet}_tp"], totals[f"{facet}_fp"], totals[f"{facet}_fn"])
        for facet in ("actors", "locations")
    }
    micro["all"] = _prf(*(sum(totals[f"{f}_{k}"] for f in ("actors", "locations")) for k in ("tp", "fp", "fn")))
    return {"per_doc": per_doc, "micro": micro}


def _fakes(shared: Path) -> list[dict[str, Any]]:
    with (shared / "corpus" / "fakes.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score_fakes(extractor: EntityExtractor, rows: list[dict[str, Any]]) -> dict[str, Any]:
    hits = 0
    misses: dict[str, int] = {}
    for row in rows:
        wanted = _canon(extractor, row["location"])
        found = extractor.extract(row["text"], title=row.get("title"))
        if wanted in found.locations:
            hits += 1
        else:
            misses[wanted] = misses.get(wanted, 0) + 1
    return {
        "articles": len(rows),
        "location_recall": round(hits / len(rows), 4) if rows else 0.0,
        "misses_by_location": dict(sorted(misses.items(), key=lambda kv: -kv[1])),
    }


def measure_speed(extractor: EntityExtractor, docs: list[tuple[str, str | None]], rounds: int = 2) -> float:
    extractor.extract(docs[0][0], docs[0][1])  # warm the GeoNames index and caches
    start = time.process_time()
    for _ in range(rounds):
        for text, title in docs:
            extractor.extract(text, title)
    elapsed = time.process_time() - start
    return round(rounds * len(docs) / elapsed, 1) if elapsed else float("inf")


def evaluate(shared: Path | None = None) -> dict[str, Any]:
    """All entity figures as one dict."""
    shared = shared or default_shared()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    extractor = EntityExtractor()
    _ = extractor.geo  # load the GeoNames index now so its memory is counted
    rss_tables = proc.memory_info().rss - rss_before
    seeds = score_seeds(extractor, shared)
    rows = _fakes(shared)
    fakes = score_fakes(extractor, rows)
    docs = [((shared / "seeds" / n).read_text(encoding="utf-8"), None) for n in sorted(os.listdir(shared / "seeds"))]
    docs += [(r["text"], r.get("title")) for r in rows]
    speed = measure_speed(extractor, docs)
    return {
        "seeds": seeds,
        "fakes": fakes,
        "articles_per_second_per_core": speed,
        "tables_rss_mb": round(rss_tables / 2**20, 1),
        "process_rss_mb": round(proc.memory_info().rss / 2**20, 1),
        "targets": {"seeds_f1": 0.95, "fakes_location_recall": 0.90, "articles_per_second": 150, "tables_rss_mb": 100},
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"{'seed':28} {'act P':>6} {'act R':>6} {'act F1':>6}   {'loc P':>6} {'loc R':>6} {'loc F1':>6}")
    for name, doc in result["seeds"]["per_doc"].items():
        a, loc = doc["actors"], doc["locations"]
        print(
            f"{name:28} {a['p']:6.3f} {a['r']:6.3f} {a['f1']:6.3f}   {loc['p']:6.3f} {loc['r']:6.3f} {loc['f1']:6.3f}"
        )
    micro = result["seeds"]["micro"]
    a, loc, both = micro["actors"], micro["locations"], micro["all"]
    print(f"{'micro':28} {a['p']:6.3f} {a['r']:6.3f} {a['f1']:6.3f}   {loc['p']:6.3f} {loc['r']:6.3f} {loc['f1']:6.3f}")
    print(f"{'micro actors+locations':28} P {both['p']:.3f}  R {both['r']:.3f}  F1 {both['f1']:.3f}")
    for name, doc in result["seeds"]["per_doc"].items():
        for facet in ("actors", "locations"):
            if doc[facet]["false_positives"] or doc[facet]["missed"]:
                print(f"  {name} {facet}: FP {doc[facet]['false_positives']}  FN {doc[facet]['missed']}")
    fakes = result["fakes"]
    print(f"FA-KES location recall       {fakes['location_recall']:.3f} over {fakes['articles']} articles")
    print(f"  misses by location: {fakes['misses_by_location']}")
    print(f"speed                        {result['articles_per_second_per_core']:.0f} articles/s per core")
    print(
        f"memory                       tables {result['tables_rss_mb']} MB, process {result['process_rss_mb']} MB RSS"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None, help="shared data dir (default: ../shared)")
    args = parser.parse_args(argv)
    shared = args.shared or default_shared()
    if not (shared / "gold" / "seeds_entities.json").exists():
        print(f"shared data not found at {shared}", file=sys.stderr)
        return 2
    result = evaluate(shared)
    print_table(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
