"""Ingest: read → extract → store → index, in batches, losing nothing.

Extraction (the CPU-heavy part) can run in worker processes; one writer in
this process stores each batch in a single SQLite transaction and then indexes
it.  An error in one input is reported and skipped; an interruption loses at
most the batch in flight, and the next run re-indexes anything the store holds
but the index does not (see :class:`newsdex.store.DocumentStore`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from extract.entities import default_extractor
from index.engine import IndexDoc, IndexWriter
from index.manager import open_or_create_engine, rebuild, sync
from newsdex.config import DataDir
from newsdex.extraction import ArticleBuilder, Overrides
from newsdex.sources import InputError, RawDocument, iter_documents
from newsdex.store import DocumentStore, StoreRow, store_row

BATCH_SIZE = 500
INDEX_BATCH = 20_000  # articles per index commit: a segment (below the engines' own limits), small ones cost merges
PARALLEL_THRESHOLD = 64  # below this many documents, starting workers costs more than it saves
CHUNK = 16  # documents sent to a worker at a time
WORKER_NICENESS = 19  # the lowest priority: the writer is the bottleneck and the workers run ahead of it
# Per worker: how far reading may run ahead of storing.  Enough for the workers to keep extracting
# while the writer commits a segment (about 20 s for 20k articles with Whoosh, in which one worker
# core extracts about 7,000): with less, the workers stop and wait for the commit.
IN_FLIGHT_CHUNKS = 384


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    indexed: int = 0
    errors: list[InputError] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"


class Extracted(NamedTuple):
    """An extracted article as the writer takes it: the row to store and the record to index.

    Workers send these rather than articles: unpickling an article's mentions, then encoding and
    hashing them for the store, cost the writer, which sets an ingest's pace, a tenth of its time.
    """

    row: StoreRow
    doc: IndexDoc

    @property
    def id(self) -> str:
        return self.row.id


OnError = Callable[[InputError], None]
OnProgress = Callable[[int], None]
Timings = dict[str, float]  # stage → seconds spent in it by the writer process (for the benchmark)


def _timed(items: Iterable[Extracted | InputError], timings: Timings | None) -> Iterator[Extracted | InputError]:
    """``items``, adding the time spent waiting for each to ``timings["read_extract"]``."""
    if timings is None:
        yield from items
        return
    iterator = iter(items)
    while True:
        started = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            timings["read_extract"] = timings.get("read_extract", 0.0) + time.perf_counter() - started
            return
        timings["read_extract"] = timings.get("read_extract", 0.0) + time.perf_counter() - started
        yield item


def _add_time(timings: Timings | None, stage: str, started: float) -> None:
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


# -- extraction, possibly in worker processes -----------------------------------------------
_worker_builder: ArticleBuilder | None = None


def _init_worker(alias_files: tuple[Path, ...], overrides: Overrides) -> None:
    global _worker_builder
    if hasattr(os, "nice"):
        # The writer (store and index, one process) sets the pace: on a busy machine it goes first,
        # and the workers, which run ahead of it, take what CPU is left.
        os.nice(WORKER_NICENESS)
    _worker_builder = ArticleBuilder(default_extractor(alias_files), overrides)


def _build_one(raw: RawDocument) -> Extracted | tuple[str, str]:
    """Runs in a worker; an error travels back as (origin, reason): InputError itself does not unpickle."""
    assert _worker_builder is not None
    result = _build_with(_worker_builder, raw)
    return (result.origin, result.reason) if isinstance(result, InputError) else result


def _build_with(builder: ArticleBuilder, raw: RawDocument) -> Extracted | InputError:
    try:
        article = builder.build(raw)
        return Extracted(store_row(article), IndexDoc.from_article(article))
    except InputError as exc:
        return exc
    except Exception as exc:  # an extractor bug must not sink the batch
        return InputError(raw.origin, f"extraction failed ({type(exc).__name__}: {exc})")


def extract_all(
    items: Iterable[RawDocument | InputError],
    *,
    alias_files: tuple[Path, ...] = (),
    overrides: Overrides | None = None,
    jobs: int = 1,
) -> Iterator[Extracted | InputError]:
    """Extracted articles (or errors) in input order; ``jobs`` > 1 extracts in that many processes."""
    overrides = overrides or Overrides()
    iterator = iter(items)
    head = list(islice(iterator, PARALLEL_THRESHOLD))
    if jobs <= 1 or len(head) < PARALLEL_THRESHOLD:
        builder = ArticleBuilder(default_extractor(alias_files), overrides)
        for item in chain(head, iterator):
            yield item if isinstance(item, InputError) else _build_with(builder, item)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    # The pool's feeder thread reads inputs as fast as it can and results queue up unread, so
    # without a bound a large dataset would sit in memory twice; ``in_flight`` stops the feeder
    # once that many documents are read and not yet taken back by the writer.
    in_flight = threading.Semaphore(jobs * CHUNK * IN_FLIGHT_CHUNKS)
    stopped = False
    with context.Pool(jobs, initializer=_init_worker, initargs=(alias_files, overrides)) as pool:
        pending_errors: list[InputError] = []

        def raws() -> Iterator[RawDocument]:
            for item in chain(head, iterator):
                if isinstance(item, InputError):
                    pending_errors.append(item)
                    continue
                in_flight.acquire()
                if stopped:
                    return
                yield item

        try:
            for result in pool.imap(_build_one, raws(), chunksize=CHUNK):
                in_flight.release()
                while pending_errors:
                    yield pending_errors.pop(0)
                yield result if isinstance(result, Extracted) else InputError(*result)
            yield from pending_errors
        finally:
            stopped = True
            in_flight.release(jobs * CHUNK * IN_FLIGHT_CHUNKS)  # a feeder waiting for room sees the stop


def _batched(items: Iterable[Extracted | InputError], size: int) -> Iterator[list[Extracted | InputError]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# -- the writer -------------------------------------------------------------------------------
def store_articles(
    store: DocumentStore,
    results: Iterable[Extracted | InputError],
    report: IngestReport,
    *,
    on_error: OnError | None = None,
    on_progress: OnProgress | None = None,
    index_batch: Callable[[list[IndexDoc]], None] | None = None,
    timings: Timings | None = None,
) -> None:
    """Store results batch by batch (one transaction each), indexing each batch once it is committed."""
    for batch in _batched(_timed(results, timings), BATCH_SIZE):
        changed: dict[str, IndexDoc] = {}  # by id: a batch may hold one article twice, index it once
        started = time.perf_counter()
        with store.transaction():
            for item in batch:
                if isinstance(item, InputError):
                    report.errors.append(item)
                    if on_error:
                        on_error(item)
                    continue
                outcome = store.upsert_row(item.row)
                if outcome == "added":
                    report.added += 1
                elif outcome == "updated":
                    report.updated += 1
                else:
                    report.unchanged += 1
                if outcome != "unchanged":
                    changed[item.id] = item.doc
        _add_time(timings, "store", started)
        if index_batch and changed:
            index_batch(list(changed.values()))
            report.indexed += len(changed)
        if on_progress:
            on_progress(len(batch))


def ingest(
    paths: Sequence[Path],
    data: DataDir,
    *,
    engine_name: str,
    overrides: Overrides | None = None,
    column_map: Mapping[str, str] | None = None,
    alias_files: tuple[Path, ...] = (),
    jobs: int = 1,
    on_error: OnError | None = None,
    on_progress: OnProgress | None = None,
    timings: Timings | None = None,
) -> IngestReport:
    """Ingest files and folders into the data directory's store and live index.

    ``timings``, when given, receives the seconds the writer spent per stage (read_extract, store, index).
    """
    report = IngestReport()
    data.ensure()
    with DocumentStore(data.store_path) as store, open_or_create_engine(data, engine_name) as engine:
        report.indexed += sync(store, engine)  # heal a previous run interrupted between store and index

        # Stored batches go to an open index writer as they come, committed every INDEX_BATCH articles
        # (a segment); anything stored but not yet committed when a run stops is still flagged
        # unindexed in the store and is picked up by ``sync`` next time.
        writer: IndexWriter | None = None
        uncommitted: set[str] = set()
        # A later version of an article the open writer holds waits for the commit: a writer replaces
        # only committed documents, and committing early would leave a small segment to merge.
        deferred: dict[str, IndexDoc] = {}

        def add(docs: list[IndexDoc]) -> None:
            nonlocal writer
            started = time.perf_counter()
            if writer is None:
                writer = engine.writer()
            writer.add_many(docs)
            uncommitted.update(doc.id for doc in docs)
            _add_time(timings, "index", started)

        def commit() -> None:
            nonlocal writer
            if writer is not None:
                started = time.perf_counter()
                committing, writer = writer, None  # a commit that fails is not cancelled on top
                committing.commit()
                store.mark_indexed([i for i in uncommitted if i not in deferred])
                uncommitted.clear()
                _add_time(timings, "index", started)
            if deferred:
                add(list(deferred.values()))
                deferred.clear()

        def index_batch(docs: list[IndexDoc]) -> None:
            fresh = []
            for doc in docs:
                if doc.id in uncommitted:
                    deferred[doc.id] = doc
                else:
                    fresh.append(doc)
            if fresh:
                add(fresh)
            if len(uncommitted) >= INDEX_BATCH:
                commit()

        results = extract_all(
            iter_documents(paths, column_map), alias_files=alias_files, overrides=overrides, jobs=jobs
        )
        try:
            store_articles(
                store,
                results,
                report,
                on_error=on_error,
                on_progress=on_progress,
                index_batch=index_batch,
                timings=timings,
            )
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        commit()
        commit()  # the versions deferred by the last one
    return report


def rebuild_from_sources(
    paths: Sequence[Path],
    data: DataDir,
    *,
    engine_name: str,
    overrides: Overrides | None = None,
    column_map: Mapping[str, str] | None = None,
    alias_files: tuple[Path, ...] = (),
    jobs: int = 1,
    on_error: OnError | None = None,
    on_progress: OnProgress | None = None,
) -> IngestReport:
    """A new store and index from ``paths`` alone, swapped in when complete (what a CI job runs)."""
    report = IngestReport()
    data.ensure()
    fresh_path = data.store_path.with_name("store.sqlite.new")
    for leftover in (fresh_path, fresh_path.with_name(fresh_path.name + "-wal")):
        leftover.unlink(missing_ok=True)
    with DocumentStore(fresh_path) as fresh:
        results = extract_all(
            iter_documents(paths, column_map), alias_files=alias_files, overrides=overrides, jobs=jobs
        )
        store_articles(fresh, results, report, on_error=on_error, on_progress=on_progress)
        fresh.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(str(data.store_path) + suffix).unlink(missing_ok=True)
    shutil.move(fresh_path, data.store_path)
    with DocumentStore(data.store_path) as store:
        report.indexed = rebuild(store, data, engine_name)
    return report
