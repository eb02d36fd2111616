"""The records every layer agrees on: an article, its date and its entity mentions.

These are plain dataclasses so that the extractors, the document store, the
engines and the web UI can pass them around without importing each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DateProvenance = Literal["published", "inferred", "unknown"]


@dataclass(frozen=True)
class DateInfo:
    """A publication date and where it came from.

    ``provenance`` tells an analyst how far to trust ``value``: ``published`` is
    stated by the source (metadata, dateline, dataset column), ``inferred`` is
    derived (a weekday resolved against a reference date), ``unknown`` means we
    found nothing and invented nothing.
    """

    value: dt.date | None = None
    provenance: DateProvenance = "unknown"
    source: str = ""

    @classmethod
    def unknown(cls) -> DateInfo:
        return cls(None, "unknown", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value.isoformat() if self.value else None,
            "provenance": self.provenance,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DateInfo:
        if not data or not data.get("value"):
            return cls.unknown()
        return cls(dt.date.fromisoformat(data["value"]), data.get("provenance", "published"), data.get("source", ""))


@dataclass(frozen=True)
class Mention:
    """One raw entity mention: the surface text, what it normalised to, and where."""

    text: str
    canonical: str
    kind: str  # person | organisation | armed_group | state | place
    start: int = -1
    end: int = -1

    @property
    def is_place(self) -> bool:
        return self.kind == "place"


@dataclass
class Article:
    """One news article as the document store keeps it (the source of truth)."""

    id: str
    title: str
    text: str  # clean body; paragraphs separated by a blank line
    source: str = ""  # path or URL the article was read from
    url: str | None = None
    outlet: str | None = None
    date: DateInfo = field(default_factory=DateInfo.unknown)
    author: str | None = None
    actors: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    extractor: str = ""  # which extractor and version produced title/text/metadata
    ingested_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.to_dict()
        return data
