"""``make bench``: ingest speed, index size and open time, query latency; newsdex engines vs plain Whoosh.

For each corpus size it builds (or, with ``--reuse``, reuses) one data directory
per engine, ingesting end to end (read → extract → store → index) in a child
process so peak memory is that ingest's alone, rebuilds the index from the store
alone (``newsdex rebuild``: no extraction), then measures queries in another
child process.  The plain Whoosh baseline is indexed from the newsdex store (the
articles already extracted), so its rate is indexing alone.

Query modes: ``top10`` (ids of the first page and the total), ``facets`` (plus
counts over all matches for outlet, month, actors and locations) and ``full``
(plus highlighted title and snippet for the 10 hits).  "Cold" is each query's
first run after the index is opened (page cache not dropped); "warm" is every
later repetition.  Output: a table on the terminal and a JSON file.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MODES = ("top10", "facets", "full")
NEWSDEX_ENGINES = ("whoosh", "tantivy")


# -- helpers -----------------------------------------------------------------------------------
def load_queries(path: Path, limit: int | None = None) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    queries = [line for line in lines if line and not line.startswith("#")]
    return queries[:limit] if limit else queries


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2), "n": len(values)}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


class PeakRss:
    """Samples this process's RSS (and its children's, summed) every 50 ms.

    ``ru_maxrss`` is not used: across ``exec`` it keeps the parent's high-water mark. Listing the
    children scans every process on the machine (1.5 ms), so it is done once a second, not at every
    sample: at 20 a second it took 3 % of a core from the ingest being measured.
    """

    INTERVAL_S = 0.05
    CHILDREN_EVERY = 20  # samples

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.own = self.total = 0.0
        self._children: list[Any] = []
        self._samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            self.sample()

    def sample(self, list_children: bool = False) -> None:
        try:
            own = self.proc.memory_info().rss
            if list_children or self._samples % self.CHILDREN_EVERY == 0:
                self._children = self.proc.children(recursive=True)
        except Exception:  # the process is going away
            return
        self._samples += 1
        kids = 0
        for child in self._children:
            try:
                kids += child.memory_info().rss
            except Exception:  # a child that has exited since it was listed
                continue
        self.own, self.total = max(self.own, own / 2**20), max(self.total, (own + kids) / 2**20)

    def stop(self) -> dict[str, float]:
        self.sample(list_children=True)
        self._stop.set()
        return {"process_mb": round(self.own), "with_workers_mb": round(self.total)}


def build_speed(build: dict[str, Any]) -> str:
    """The speed a build measured: a store filled with copies was not ingested, only rebuilt."""
    if build["articles_per_s"] is not None:
        return f"ingest {build['articles_per_s']} articles/s"
    return f"rebuild {build['rebuild']['articles_per_s']} articles/s (the store filled with copies)"


def cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far, by kind (the first line of Linux's /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def machine_share(before: list[int] | None, after: list[int] | None) -> dict[str, float] | None:
    """Of all the machine's CPU time between two readings, the shares left idle and taken by the host.

    On a virtual machine "steal" is time the host gave to others: a run with much of it is slower
    for reasons outside the code measured, so every timed step records it.
    """
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent[:8]) or 1  # user nice system idle iowait irq softirq steal (guest time is in user)
    return {"idle_pct": round(100 * spent[3] / total, 1), "steal_pct": round(100 * spent[7] / total, 1)}


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def machine() -> dict[str, Any]:
    try:
        import psutil

        ram = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        ram = None
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def engine_available(name: str) -> bool:
    if name == "baseline":
        return True
    if name == "tantivy" and (
        importlib.util.find_spec("tantivy") is None or importlib.util.find_spec("index.tantivy_engine") is None
    ):
        return False
    try:
        from index.manager import engine_class

        engine_class(name)
    except Exception as exc:  # an engine still being written must not stop the benchmark
        print(f"  (skipping {name}: {type(exc).__name__}: {exc})", file=sys.stderr)
        return False
    return True


# -- child processes: one build or one query run each, so memory figures are their own ------------
def child_ingest(corpus: Path, data_root: Path, engine: str, jobs: int) -> dict[str, Any]:
    from newsdex.config import DataDir
    from newsdex.pipeline import ingest

    shutil.rmtree(data_root, ignore_errors=True)
    data = DataDir(data_root)
    timings: dict[str, float] = {}
    peak = PeakRss()
    started = time.perf_counter()
    report = ingest([corpus], data, engine_name=engine, jobs=jobs, timings=timings)
    elapsed = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    articles = report.added + report.updated
    index_dir = data.index_root(engine)
    return {
        "articles": articles,
        "skipped": report.skipped,
        "seconds": round(elapsed, 1),
        "articles_per_s": round(articles / elapsed, 1),
        "writer_stage_s": {k: round(v, 1) for k, v in timings.items()},
        "writer_cpu_s": round(own.ru_utime + own.ru_stime, 1),
        "extract_workers_cpu_s": round(children.ru_utime + children.ru_stime, 1),
        "peak_rss_mb": peak.stop(),
        "index_mb": round(dir_size(index_dir) / 2**20, 1),
        "store_mb": round(
            sum(dir_size(p) if p.is_dir() else p.stat().st_size for p in data_root.glob("store*")) / 2**20, 1
        ),
    }


def child_rebuild(data_root: Path, engine: str) -> dict[str, Any]:
    """``newsdex rebuild``: the engine's index made again from the store alone (no extraction)."""
    from index.manager import rebuild
    from newsdex.config import DataDir
    from newsdex.store import DocumentStore

    data = DataDir(data_root)
    peak = PeakRss()
    started = time.perf_counter()
    with DocumentStore(data.store_path) as store:
        count = rebuild(store, data, engine)
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "articles": count,
        "seconds": round(elapsed, 1),
        "articles_per_s": round(count / elapsed, 1),
        "cpu_s": round(own.ru_utime + own.ru_stime, 1),
        "peak_rss_mb": peak.stop(),
        "index_mb": round(dir_size(data.index_root(engine)) / 2**20, 1),
    }


def child_baseline_build(store_path: Path, target: Path) -> dict[str, Any]:
    from bench.baseline import build
    from index.engine import IndexDoc
    from newsdex.store import DocumentStore

    shutil.rmtree(target, ignore_errors=True)
    with DocumentStore(store_path, readonly=True) as store:
        docs = [IndexDoc.from_article(a) for a in store.iter_articles()]
    peak = PeakRss()
    started = time.perf_counter()
    count = build(target, docs)
    elapsed = time.perf_counter() - started
    return {
        "articles": count,
        "seconds": round(elapsed, 1),
        "articles_per_s": round(count / elapsed, 1),
        "note": "indexing only (articles read from the newsdex store)",
        "peak_rss_mb": peak.stop(),
        "index_mb": round(dir_size(target) / 2**20, 1),
    }


def _time_queries(run: Any, queries: list[str], repeat: int) -> dict[str, Any]:
    """Cold: first run of each query in full mode; warm: ``repeat`` more runs per mode."""
    cold = []
    for text in queries:
        started = time.perf_counter()
        run(text, "full")
        cold.append((time.perf_counter() - started) * 1000)
    warm: dict[str, list[float]] = {m: [] for m in MODES}
    per_query: dict[str, dict[str, float]] = {}
    for text in queries:
        for mode in MODES:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                run(text, mode)
                times.append((time.perf_counter() - started) * 1000)
            warm[mode].extend(times)
            per_query.setdefault(text, {})[mode] = round(statistics.median(times), 2)
    return {
        "cold_full": summary(cold),
        "warm": {m: summary(v) for m, v in warm.items()},
        "per_query_median_ms": per_query,
        "cold_per_query_ms": {t: round(c, 2) for t, c in zip(queries, cold, strict=True)},
    }


def child_query_newsdex(data_root: Path, engine: str, queries: list[str], repeat: int) -> dict[str, Any]:
    from index.manager import open_engine
    from newsdex.config import DataDir
    from newsdex.store import DocumentStore
    from search.request import SearchQuery
    from search.service import SearchService

    data = DataDir(data_root)
    gc.collect()
    peak = PeakRss()
    started = time.perf_counter()
    eng = open_engine(data, engine)
    store = DocumentStore(data.store_path, readonly=True)
    service = SearchService(store, eng)
    opened = time.perf_counter() - started
    service.search(SearchQuery(text=""), highlight=False)  # what the first request pays: per-generation caches
    ready = time.perf_counter() - started
    totals: dict[str, int] = {}

    def run(text: str, mode: str) -> None:
        result = service.search(SearchQuery(text=text), facets=mode != "top10", highlight=mode == "full")
        totals[text] = result.total

    timing = _time_queries(run, queries, repeat)
    out = {
        "open_s": round(opened, 3),
        "open_and_first_query_s": round(ready, 3),
        **timing,
        "totals": totals,
        "serving_rss_mb": round(rss_mb(), 0),
        "serving_peak_rss_mb": peak.stop()["process_mb"],
    }
    store.close()
    eng.close()
    return out


def child_query_baseline(index_dir: Path, queries: list[str], repeat: int) -> dict[str, Any]:
    from bench.baseline import Baseline
    from search.request import SearchQuery

    gc.collect()
    peak = PeakRss()
    started = time.perf_counter()
    base = Baseline(index_dir)
    opened = time.perf_counter() - started
    nodes = {t: SearchQuery(text=t).node() for t in queries}
    totals: dict[str, int] = {}

    def run(text: str, mode: str) -> None:
        result = base.search(nodes[text], facets=mode != "top10", highlight=mode == "full")
        totals[text] = result["total"]

    timing = _time_queries(run, queries, repeat)
    base.close()
    return {
        "open_s": round(opened, 3),
        **timing,
        "totals": totals,
        "serving_rss_mb": round(rss_mb(), 0),
        "serving_peak_rss_mb": peak.stop()["process_mb"],
    }


def in_child(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run ``task`` in a fresh interpreter; its JSON answer comes back on the last line of stdout."""
    payload = json.dumps({"task": task, "kwargs": {k: str(v) if isinstance(v, Path) else v for k, v in kwargs.items()}})
    before = cpu_ticks()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", payload],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{task} failed (exit {proc.returncode})")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "machine_cpu": machine_share(before, cpu_ticks())}


def _child_main(payload: str) -> None:
    spec = json.loads(payload)
    kwargs = spec["kwargs"]
    for key in ("corpus", "data_root", "store_path", "target", "index_dir"):
        if key in kwargs:
            kwargs[key] = Path(kwargs[key])
    task = {
        "ingest": child_ingest,
        "rebuild": child_rebuild,
        "baseline_build": child_baseline_build,
        "query_newsdex": child_query_newsdex,
        "query_baseline": child_query_baseline,
    }[spec["task"]]
    print(json.dumps(task(**kwargs)))


# -- the run ----------------------------------------------------------------------------------------
def bench_size(args: argparse.Namespace, size: int, engines: list[str], queries: list[str]) -> dict[str, Any]:
    from bench.corpus import build_corpus, corpus_stats, replicate_store

    shared = Path(args.shared)
    if args.store_from:  # the stores are copied: no corpus file of this size is read
        source_corpus = build_corpus(shared, args.store_from, Path(args.workdir))
        stats = {**corpus_stats(source_corpus), "replicated_from": args.store_from}
    else:
        corpus = build_corpus(shared, size, Path(args.workdir))
        stats = corpus_stats(corpus)
    result: dict[str, Any] = {"corpus": {"articles": size, **stats}, "engines": {}}
    size_dir = Path(args.workdir) / f"data-{size}"
    store_for_baseline: Path | None = None
    for engine in engines:
        if engine == "baseline":
            continue
        data_root = size_dir / engine
        build_file = data_root / "bench-build.json"
        if args.reuse and build_file.exists():
            build = json.loads(build_file.read_text())
            print(f"[{size}] {engine}: reusing the index built earlier", file=sys.stderr)
        elif args.store_from:
            source = Path(args.workdir) / f"data-{args.store_from}" / engine / "store.sqlite"
            print(f"[{size}] {engine}: store from copies of {source.parent.name}'s, then rebuilding …", file=sys.stderr)
            shutil.rmtree(data_root, ignore_errors=True)
            copied = replicate_store(source, data_root / "store.sqlite", size)
            rebuilt = in_child("rebuild", data_root=data_root, engine=engine)
            build = {
                "articles": copied,
                "store_replicated_from": args.store_from,
                "articles_per_s": None,
                "index_mb": rebuilt["index_mb"],
                "rebuild": rebuilt,
            }
            build_file.write_text(json.dumps(build, indent=2))
        else:
            print(f"[{size}] {engine}: ingesting {corpus.name} …", file=sys.stderr)
            build = in_child("ingest", corpus=corpus, data_root=data_root, engine=engine, jobs=args.jobs)
            if engine in args.rebuild.split(","):
                print(f"[{size}] {engine}: rebuilding the index from the store …", file=sys.stderr)
                build["rebuild"] = in_child("rebuild", data_root=data_root, engine=engine)
            build_file.write_text(json.dumps(build, indent=2))
        print(f"[{size}] {engine}: {build_speed(build)}; querying …", file=sys.stderr)
        queried = in_child("query_newsdex", data_root=data_root, engine=engine, queries=queries, repeat=args.repeat)
        result["engines"][engine] = {"ingest": build, "query": queried}
        store_for_baseline = store_for_baseline or data_root / "store.sqlite"
    if "baseline" in engines:
        if store_for_baseline is None:
            for engine in NEWSDEX_ENGINES:
                candidate = size_dir / engine / "store.sqlite"
                if candidate.exists():
                    store_for_baseline = candidate
                    break
        if store_for_baseline is None:
            raise SystemExit("the baseline indexes the newsdex store: include a newsdex engine (or --reuse one)")
        target = size_dir / "baseline"
        build_file = size_dir / "baseline-build.json"
        if args.reuse and build_file.exists():
            build = json.loads(build_file.read_text())
        else:
            print(f"[{size}] baseline: indexing plain Whoosh …", file=sys.stderr)
            build = in_child("baseline_build", store_path=store_for_baseline, target=target)
            build_file.write_text(json.dumps(build, indent=2))
        print(f"[{size}] baseline: {build['articles_per_s']} articles/s; querying …", file=sys.stderr)
        queried = in_child("query_baseline", index_dir=target, queries=queries, repeat=args.baseline_repeat)
        result["engines"]["baseline"] = {"ingest": build, "query": queried}
    return result


def ratios(size_result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """How many times faster than plain Whoosh, per engine and mode (p50 and p95, warm)."""
    engines = size_result["engines"]
    if "baseline" not in engines:
        return {}
    base = engines["baseline"]["query"]["warm"]
    out = {}
    for name, data in engines.items():
        if name == "baseline":
            continue
        warm = data["query"]["warm"]
        out[name] = {
            f"{m}_{p}": round(base[m][f"{p}_ms"] / max(warm[m][f"{p}_ms"], 1e-3), 1)
            for m in MODES
            for p in ("p50", "p95")
        }
    return out


def _steal(share: dict[str, float] | None) -> str:
    return "?" if share is None else f"{share['steal_pct']}"


def table(results: dict[str, Any]) -> str:
    rows = [
        (
            "size",
            "engine",
            "ingest/s",
            "rebuild/s",
            "index MB",
            "open s",
            "top10 p50/p95",
            "facets p50/p95",
            "full p50/p95",
            "cold full p50/p95",
            "RSS MB",
            "steal % build/query",
        )
    ]
    for size, res in results["sizes"].items():
        for name, data in res["engines"].items():
            q, b = data["query"], data["ingest"]
            warm = q["warm"]
            rows.append(
                (
                    size,
                    name,
                    f"{b['articles_per_s']}" if b["articles_per_s"] else "(copied)",
                    f"{b['rebuild']['articles_per_s']}" if "rebuild" in b else "",
                    f"{b['index_mb']}",
                    f"{q.get('open_and_first_query_s', q['open_s'])}",
                    *(f"{warm[m]['p50_ms']}/{warm[m]['p95_ms']}" for m in MODES),
                    f"{q['cold_full']['p50_ms']}/{q['cold_full']['p95_ms']}",
                    f"{q['serving_peak_rss_mb']:.0f}",
                    f"{_steal(b.get('machine_cpu') or b.get('rebuild', {}).get('machine_cpu'))}"
                    f"/{_steal(q.get('machine_cpu'))}",
                )
            )
        for name, r in res.get("ratio_vs_baseline", {}).items():
            speedups = (f"×{r[m + '_p50']}/×{r[m + '_p95']}" for m in MODES)
            rows.append((size, f"{name} ÷", "", "", "", "", *speedups, "", "", ""))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes, comma-separated (1000000 on request)")
    parser.add_argument("--engines", default="whoosh,tantivy,baseline", help="whoosh, tantivy, baseline")
    parser.add_argument("--queries", type=int, default=None, help="use only the first N queries of bench/queries.txt")
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions per query and mode")
    parser.add_argument("--baseline-repeat", type=int, default=2, help="the same for plain Whoosh (it is slow)")
    parser.add_argument("--rebuild", default="whoosh,tantivy", help="engines whose rebuild from the store is timed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="extraction worker processes")
    default_shared = os.environ.get("NEWSDEX_SHARED") or str(REPO.parent / "shared")
    parser.add_argument("--shared", default=default_shared, help="the shared data folder (env NEWSDEX_SHARED)")
    parser.add_argument("--workdir", default=str(REPO / "bench" / "corpora"), help="corpora and indexes (git-ignored)")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "bench.json"))
    parser.add_argument("--reuse", action="store_true", help="reuse indexes built by an earlier run; measure queries")
    parser.add_argument(
        "--store-from",
        type=int,
        help="instead of ingesting, fill each store with copies of the articles stored by the run of this size, "
        "then time the rebuild (for 1M: ingest speed is the same as at 100k, only the index grows)",
    )
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args.child)
        return 0

    queries = load_queries(REPO / "bench" / "queries.txt", args.queries)
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    engines = [e for e in wanted if engine_available(e)]
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "queries": len(queries),
        "repeat": {"newsdex": args.repeat, "baseline": args.baseline_repeat},
        "sizes": {},
    }
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        res = bench_size(args, size, engines, queries)
        res["ratio_vs_baseline"] = ratios(res)
        results["sizes"][str(size)] = res
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nmachine: {results['machine']}\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
