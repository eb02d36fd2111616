"""Index lifecycle: where an engine's index lives, keeping it in step with the store, rebuilding it.

An engine's directory holds numbered generations (``gen-000001`` …) and a
``CURRENT`` file naming the live one.  A rebuild writes a new generation beside
the live one and then replaces ``CURRENT`` atomically, so a reader opens either
the old complete index or the new complete one, never a half-built one.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.analysis import ANALYSIS
from index.engine import Engine, IndexDoc
from newsdex.config import DataDir
from newsdex.store import DocumentStore

ENGINE_CLASSES = {
    "whoosh": "index.whoosh_engine:WhooshEngine",
    "tantivy": "index.tantivy_engine:TantivyEngine",
}
BATCH = 500
STAMP = "newsdex-index.json"  # in each generation: the analysis its terms were made with

Progress = Callable[[int], None]


class IndexMissingError(FileNotFoundError):
    """No index has been built yet for this engine in this data directory."""


class IndexOutdatedError(IndexMissingError):
    """The live index was built with another analysis: its terms would silently not match."""


def engine_class(name: str) -> type[Engine]:
    module_name, _, attr = ENGINE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


@dataclass(frozen=True)
class IndexLocation:
    """The generations of one engine's index inside a data directory."""

    root: Path

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current(self) -> Path | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if name and path.is_dir() else None

    def next_generation(self) -> Path:
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        return self.root / f"gen-{max(numbers, default=0) + 1:06d}"

    def publish(self, generation: Path) -> None:
        """Make ``generation`` live atomically, then drop the older ones."""
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation.name + "\n", encoding="utf-8")
        os.replace(tmp, self.pointer)
        for old in self.root.glob("gen-*"):
            if old != generation and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)


def _stamp(generation: Path) -> None:
    (generation / STAMP).write_text(json.dumps({"analysis": ANALYSIS}) + "\n", encoding="utf-8")


def _open_checked(name: str, generation: Path) -> Engine:
    try:
        built_with = json.loads((generation / STAMP).read_text(encoding="utf-8")).get("analysis")
    except (FileNotFoundError, ValueError, AttributeError):
        built_with = None
    if built_with != ANALYSIS:
        raise IndexOutdatedError(
            f"the {name} index in {generation.parent} was built by an older newsdex "
            f"({built_with or 'unknown analysis'}; this version uses {ANALYSIS}): run 'newsdex rebuild'"
        )
    return engine_class(name).open(generation)


def open_engine(data: DataDir, name: str) -> Engine:
    """Open the live index of engine ``name``; :class:`IndexMissingError` if none was built."""
    location = IndexLocation(data.index_root(name))
    current = location.current()
    if current is None:
        raise IndexMissingError(f"no {name} index in {data.root} yet: run 'newsdex rebuild' or 'newsdex ingest'")
    return _open_checked(name, current)


def open_or_create_engine(data: DataDir, name: str) -> Engine:
    """The live index, or a new empty one published as live (first ingest into a data directory)."""
    location = IndexLocation(data.index_root(name))
    current = location.current()
    if current is not None:
        return _open_checked(name, current)
    generation = location.next_generation()
    engine = engine_class(name).create(generation)
    _stamp(generation)
    location.publish(generation)
    data.write_settings(engine=name)
    return engine


def _batches(store: DocumentStore, *, unindexed_only: bool) -> Iterator[list[IndexDoc]]:
    batch: list[IndexDoc] = []
    for f in store.iter_index_fields(unindexed_only=unindexed_only):
        batch.append(IndexDoc(f.id, f.title, f.text, f.outlet, f.date, tuple(f.actors), tuple(f.locations)))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sync(store: DocumentStore, engine: Engine, progress: Progress | None = None) -> int:
    """Index every stored article the index does not have yet; returns how many."""
    pending = store.count(unindexed_only=True)
    if not pending:
        return 0
    done: list[str] = []
    with engine.writer() as writer:
        for batch in _batches(store, unindexed_only=True):
            writer.add_many(batch)
            done.extend(d.id for d in batch)
            if progress:
                progress(len(batch))
    store.mark_indexed(done)
    return len(done)


def rebuild(store: DocumentStore, data: DataDir, name: str, progress: Progress | None = None) -> int:
    """Build a complete new index of engine ``name`` from the store and swap it in."""
    location = IndexLocation(data.index_root(name))
    location.root.mkdir(parents=True, exist_ok=True)
    generation = location.next_generation()
    count = 0
    try:
        engine = engine_class(name).create(generation)
        _stamp(generation)
        with engine, engine.writer(fresh=True) as writer:
            for batch in _batches(store, unindexed_only=False):
                count += writer.add_many(batch)
                if progress:
                    progress(len(batch))
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    location.publish(generation)
    store.mark_all_indexed()
    data.write_settings(engine=name)
    return count
