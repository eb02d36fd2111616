"""The document store: every article in SQLite, the single source of truth.

Indexes are derived from this table and can be rebuilt from it at any time.
Each row carries an ``indexed`` flag that is cleared when the row changes and
set once the engine has committed it, so an ingest interrupted between the
store and the index heals on the next run instead of silently diverging.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NamedTuple

from newsdex.models import Article, DateInfo, Mention

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    url TEXT,
    outlet TEXT,
    date TEXT,
    date_provenance TEXT NOT NULL DEFAULT 'unknown',
    date_source TEXT NOT NULL DEFAULT '',
    author TEXT,
    actors TEXT NOT NULL DEFAULT '[]',
    locations TEXT NOT NULL DEFAULT '[]',
    mentions TEXT NOT NULL DEFAULT '[]',
    extractor TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_unindexed ON articles(indexed) WHERE indexed = 0;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_COLUMNS = (
    "id, title, text, source, url, outlet, date, date_provenance, date_source, author, "
    "actors, locations, mentions, extractor, extra, ingested_at"
)

UpsertOutcome = Literal["added", "updated", "unchanged"]


class IndexFields(NamedTuple):
    """The stored fields an index is built from."""

    id: str
    title: str
    text: str
    outlet: str | None
    date: dt.date | None
    actors: list[str]
    locations: list[str]


def content_hash(article: Article) -> str:
    """What makes two versions of an article different for the user (not when it was ingested).

    The payload is exactly ``article.to_dict()`` less ``ingested_at`` (so stored hashes stay valid), built
    by hand: ``dataclasses.asdict`` deep-copies every mention and was a sizeable part of ingest time.
    """
    payload = {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "source": article.source,
        "url": article.url,
        "outlet": article.outlet,
        "date": article.date.to_dict(),
        "author": article.author,
        "actors": article.actors,
        "locations": article.locations,
        "mentions": [
            {"text": m.text, "canonical": m.canonical, "kind": m.kind, "start": m.start, "end": m.end}
            for m in article.mentions
        ],
        "extractor": article.extractor,
        "extra": article.extra,
    }
    return hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _mention_to_list(m: Mention) -> list[Any]:
    return [m.text, m.canonical, m.kind, m.start, m.end]


class StoreRow(NamedTuple):
    """An article as the store writes it: its column values, JSON encoded, and its content hash.

    An ingest's extraction workers make these, so that the writer, which sets an ingest's pace, only
    inserts them (it unpickled each article's mentions, then encoded and hashed them again).
    """

    id: str
    values: tuple[Any, ...]  # the columns of _COLUMNS up to ingested_at, which the store decides
    ingested_at: str  # the article's own, if it has one
    digest: str


def store_row(article: Article) -> StoreRow:
    values = (
        article.id,
        article.title,
        article.text,
        article.source,
        article.url,
        article.outlet,
        article.date.value.isoformat() if article.date.value else None,
        article.date.provenance,
        article.date.source,
        article.author,
        json.dumps(article.actors, ensure_ascii=False),
        json.dumps(article.locations, ensure_ascii=False),
        json.dumps([_mention_to_list(m) for m in article.mentions], ensure_ascii=False),
        article.extractor,
        json.dumps(article.extra, ensure_ascii=False, sort_keys=True, default=str),
    )
    return StoreRow(article.id, values, article.ingested_at, content_hash(article))


_UPSERT_COLUMNS = f"{_COLUMNS}, content_hash, updated_at"
_UPSERT = (
    f"INSERT OR REPLACE INTO articles ({_UPSERT_COLUMNS}, indexed)"
    f" VALUES ({', '.join('?' * len(_UPSERT_COLUMNS.split(',')))}, 0)"
)


def _row_to_article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        source=row["source"],
        url=row["url"],
        outlet=row["outlet"],
        date=DateInfo.from_dict(
            {"value": row["date"], "provenance": row["date_provenance"], "source": row["date_source"]}
        ),
        author=row["author"],
        actors=json.loads(row["actors"]),
        locations=json.loads(row["locations"]),
        mentions=[Mention(*m) for m in json.loads(row["mentions"])],
        extractor=row["extractor"],
        extra=json.loads(row["extra"]),
        ingested_at=row["ingested_at"],
    )


class DocumentStore:
    """A thin, typed layer over one SQLite file.

    Readers (the web UI) open it read-only; writers use WAL mode so a running
    server keeps answering while an ingest commits.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no document store at {self.path}")
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self.db.commit()
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit everything inside at once, or nothing."""
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        else:
            self.db.commit()

    # -- writing ---------------------------------------------------------
    def upsert(self, article: Article) -> UpsertOutcome:
        """Insert or update by id; an identical re-ingest changes nothing."""
        return self.upsert_row(store_row(article))

    def upsert_row(self, new: StoreRow) -> UpsertOutcome:
        """:meth:`upsert` of an article already turned into its row (by an ingest's extraction worker)."""
        row = self.db.execute("SELECT content_hash, ingested_at FROM articles WHERE id = ?", (new.id,)).fetchone()
        if row is not None and row["content_hash"] == new.digest:
            return "unchanged"
        now = _now()
        ingested_at = row["ingested_at"] if row is not None else (new.ingested_at or now)
        self.db.execute(_UPSERT, (*new.values, ingested_at, new.digest, now))
        return "added" if row is None else "updated"

    def mark_indexed(self, ids: Iterable[str]) -> None:
        self.db.executemany("UPDATE articles SET indexed = 1 WHERE id = ?", ((i,) for i in ids))
        self.db.commit()

    def mark_all_indexed(self) -> None:
        self.db.execute("UPDATE articles SET indexed = 1")
        self.db.commit()

    def update_entities(
        self, article_id: str, actors: list[str], locations: list[str], mentions: list[Mention]
    ) -> bool:
        """Rewrite one article's entities (after an alias-table edit); True when they changed."""
        article = self.get(article_id)
        if article is None or (article.actors, article.locations, article.mentions) == (actors, locations, mentions):
            return False
        article.actors, article.locations, article.mentions = actors, locations, mentions
        self.upsert(article)
        return True

    # -- reading ---------------------------------------------------------
    def get(self, article_id: str) -> Article | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row_to_article(row) if row else None

    def get_many(self, ids: Sequence[str]) -> dict[str, Article]:
        """Fetch several articles in one query (a result page), keyed by id."""
        found: dict[str, Article] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                found[row["id"]] = _row_to_article(row)
        return found

    def find_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        """Ids starting with ``prefix``, so users can type a short id like git."""
        rows = self.db.execute(
            "SELECT id FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", (prefix, prefix + "\uffff", limit)
        )
        return [r["id"] for r in rows]

    def _rows(self, columns: str, *, unindexed_only: bool, batch: int) -> Iterator[sqlite3.Row]:
        """Rows in id order, ``batch`` at a time by keyset (no long-lived cursor, constant memory)."""
        where = "WHERE indexed = 0" if unindexed_only else ""
        last = ""
        while True:
            clause = f"{where} {'AND' if where else 'WHERE'} id > ?"
            rows = self.db.execute(
                f"SELECT {columns} FROM articles {clause} ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    def iter_articles(self, *, unindexed_only: bool = False, batch: int = 1000) -> Iterator[Article]:
        """Every article in id order: deterministic, so rebuilds are reproducible."""
        for row in self._rows(_COLUMNS, unindexed_only=unindexed_only, batch=batch):
            yield _row_to_article(row)

    def iter_index_fields(self, *, unindexed_only: bool = False, batch: int = 1000) -> Iterator[IndexFields]:
        """What an index needs of every article, in id order: a rebuild skips decoding mentions and extras."""
        columns = "id, title, text, outlet, date, actors, locations"
        for row in self._rows(columns, unindexed_only=unindexed_only, batch=batch):
            yield IndexFields(
                row["id"],
                row["title"],
                row["text"],
                row["outlet"],
                dt.date.fromisoformat(row["date"]) if row["date"] else None,
                json.loads(row["actors"]),
                json.loads(row["locations"]),
            )

    def count(self, *, unindexed_only: bool = False) -> int:
        sql = "SELECT COUNT(*) FROM articles" + (" WHERE indexed = 0" if unindexed_only else "")
        return int(self.db.execute(sql).fetchone()[0])

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY id")]

    def sample_texts(self, limit: int) -> Iterator[str]:
        """Title and text of up to ``limit`` articles spread evenly over the store (deterministic)."""
        total = self.count()
        step = max(1, total // max(limit, 1))
        rows = self.db.execute("SELECT title, text FROM articles WHERE rowid % ? = 0 LIMIT ?", (step, limit))
        for row in rows:
            yield f"{row['title']}\n{row['text']}"

    def value_counts(self, column: Literal["outlet", "date_provenance", "extractor"]) -> list[tuple[str, int]]:
        rows = self.db.execute(
            f"SELECT COALESCE({column}, '(unknown)') AS v, COUNT(*) AS n FROM articles GROUP BY v ORDER BY n DESC, v"
        )
        return [(r["v"], r["n"]) for r in rows]

    def date_span(self) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT MIN(date), MAX(date) FROM articles WHERE date IS NOT NULL").fetchone()
        return row[0], row[1]
