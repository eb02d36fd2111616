"""The seam between newsdex and a search library.

An engine indexes :class:`IndexDoc` records and answers an :class:`EngineQuery`
(a parsed query tree plus facet filters, sort and paging) with ids, the total,
and facet counts over *all* matches.  Everything user-facing (highlighting,
joining with the document store, paging links) lives above this line, so a new
engine only has to implement these few methods and pass ``tests/test_engine_contract.py``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from newsdex.models import Article
from search.query import FACET_FIELDS, Node

SortOrder = Literal["relevance", "newest", "oldest"]
SORT_ORDERS: tuple[SortOrder, ...] = ("relevance", "newest", "oldest")
UNKNOWN_MONTH = "unknown"


@dataclass(frozen=True)
class IndexDoc:
    """What an engine needs of an article: searchable text and facet values."""

    id: str
    title: str
    body: str
    outlet: str | None
    date: dt.date | None
    actors: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m") if self.date else UNKNOWN_MONTH

    @classmethod
    def from_article(cls, article: Article) -> IndexDoc:
        return cls(
            id=article.id,
            title=article.title,
            body=article.text,
            outlet=article.outlet,
            date=article.date.value,
            actors=tuple(article.actors),
            locations=tuple(article.locations),
        )

    def facet_values(self, facet: str) -> tuple[str, ...]:
        """The values this document contributes to ``facet`` (an unknown outlet counts as none)."""
        if facet == "outlet":
            return (self.outlet,) if self.outlet else ()
        if facet == "actor":
            return self.actors
        if facet == "location":
            return self.locations
        if facet == "month":
            return (self.month,)
        raise KeyError(facet)


@dataclass(frozen=True)
class EngineQuery:
    """One question for an engine.

    ``filters`` hold facet selections: values of one facet are OR-ed, facets are
    AND-ed.  Facet counts for a facet ignore that facet's own selection, so the
    UI can offer the other values of a facet already filtered on.  With
    ``facet_limit`` each facet lists only its first values in
    :func:`sort_facet_counts` order (exactly the head of the full list), which
    spares ordering tens of thousands of actor names nobody will see.
    """

    node: Node
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: SortOrder = "relevance"
    offset: int = 0
    limit: int = 10
    facets: tuple[str, ...] = FACET_FIELDS
    facet_limit: int | None = None


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[str, float]]  # (article id, score), in order
    facets: dict[str, list[tuple[str, int]]]  # facet → (value, count), most frequent first


def sort_facet_counts(counts: Mapping[str, int], limit: int | None = None) -> list[tuple[str, int]]:
    """Most frequent first, ties by value, so every engine orders facets identically; the first ``limit``."""
    return sorted(((v, n) for v, n in counts.items() if n > 0), key=lambda vn: (-vn[1], vn[0]))[:limit]


class IndexWriter(ABC):
    """Adds, replaces and deletes documents; nothing is visible until :meth:`commit`."""

    @abstractmethod
    def add(self, doc: IndexDoc) -> None:
        """Add or replace (by id) one document."""

    @abstractmethod
    def delete(self, doc_id: str) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        count = 0
        for doc in docs:
            self.add(doc)
            count += 1
        return count

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.cancel()


class Engine(ABC):
    """A search engine over one index directory."""

    name: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    @abstractmethod
    def create(cls, path: Path) -> Engine:
        """Make a new, empty index in ``path``."""

    @classmethod
    @abstractmethod
    def open(cls, path: Path) -> Engine:
        """Open an existing index in ``path``."""

    @abstractmethod
    def writer(self, *, fresh: bool = False) -> IndexWriter:
        """A writer; ``fresh`` promises the index is new, so adds need not replace."""

    @abstractmethod
    def search(self, query: EngineQuery) -> EngineResult: ...

    @abstractmethod
    def doc_count(self) -> int: ...

    @abstractmethod
    def similar(self, text: str, *, limit: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Ids of the documents most like ``text`` (for "how others reported it")."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and caches."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
