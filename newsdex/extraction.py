"""From a raw document to an :class:`Article`: text, metadata, entities, a stable id.

This module only decides *which* extractor speaks for which field and in what
order of trust (a user's override, then sidecar or dataset metadata, then what
the text itself says, else unknown); the extractors live in :mod:`extract`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extract.boilerplate import clean_plain_text, strip_inline_leftovers
from extract.dates import date_from_text, parse_date
from extract.entities import EntityExtractor, default_extractor
from extract.html import extract_html
from extract.outlets import normalise_outlet, outlet_from_domain, outlet_from_text
from newsdex.config import DataDir
from newsdex.models import Article, DateInfo
from newsdex.sources import InputError, RawDocument

TEXT_EXTRACTOR = "newsdex-text 1"
DATASET_EXTRACTOR = "newsdex-dataset 1"
ENTITY_EXTRACTOR = "newsdex-entities 1"
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|ocid$|cmpid$|ref$|source$)")


@dataclass(frozen=True)
class Overrides:
    """Per-run values that beat anything found in the inputs (``--outlet``, ``--date``)."""

    outlet: str | None = None
    date: dt.date | None = None


def normalise_url(url: str) -> str:
    """One spelling per article URL: lowercase host without www, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, query, ""))


def normalise_text(text: str) -> str:
    """Text as identity: case, accents-as-composed, spacing and punctuation do not count."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def article_id(url: str | None, title: str, text: str) -> str:
    """Stable id: from the normalised URL when there is one, else from the normalised text."""
    key = "url:" + normalise_url(url) if url else "text:" + normalise_text(f"{title}\n{text}")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _first_sentence(text: str, limit: int = 120) -> str:
    first = text.strip().split("\n", 1)[0]
    match = re.match(r"(.+?[.!?])(\s|$)", first)
    sentence = match.group(1) if match else first
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    text = str(value).strip()
    return text or None


def _date_field(value: Any, source: str) -> DateInfo | None:
    text = _str(value)
    if not text:
        return None
    parsed = parse_date(text)
    return DateInfo(parsed, "published", source) if parsed else None


class ArticleBuilder:
    """Turns raw documents into articles with one entity extractor, reused across a batch."""

    def __init__(self, entities: EntityExtractor | None = None, overrides: Overrides | None = None) -> None:
        self.entities = entities or default_extractor()
        self.overrides = overrides or Overrides()

    def build(self, raw: RawDocument) -> Article:
        """Raises :class:`InputError` when the input holds no article."""
        if raw.kind == "text":
            article = self._from_text(raw)
        elif raw.kind == "html":
            article = self._from_html(raw)
        else:
            article = self._from_record(raw)
        if not article.text.strip():
            raise InputError(raw.origin, "no article text found")
        if self.overrides.outlet:
            article.outlet = self.overrides.outlet
        if self.overrides.date:
            article.date = DateInfo(self.overrides.date, "published", "override")
        found = self.entities.extract(article.text, title=article.title)
        article.actors, article.locations, article.mentions = found.actors, found.locations, found.mentions
        article.extractor = f"{article.extractor}; {ENTITY_EXTRACTOR}"
        article.id = article_id(article.url, article.title, article.text)
        return article

    def _from_text(self, raw: RawDocument) -> Article:
        assert isinstance(raw.content, str)
        clean = clean_plain_text(raw.content)
        text = clean.text
        meta = raw.fields
        title = _str(meta.get("title")) or clean.title or _first_sentence(text)
        if clean.dek and not meta.get("title"):
            text = f"{clean.dek}\n\n{text}"
        url = _str(meta.get("url"))
        outlet = _str(meta.get("outlet")) or outlet_from_text(raw.content) or (outlet_from_domain(url) if url else None)
        reference = parse_date(str(meta["reference_date"])) if meta.get("reference_date") else None
        date = _date_field(meta.get("date"), "sidecar") or date_from_text(raw.content, reference=reference)
        extra = {"removed_lines": clean.removed} if clean.removed else {}
        return Article(
            id="",
            title=title,
            text=text,
            source=raw.origin,
            url=url,
            outlet=normalise_outlet(outlet) if outlet else None,
            date=date,
            author=_str(meta.get("author")),
            extractor=TEXT_EXTRACTOR,
            extra=extra,
        )

    def _from_html(self, raw: RawDocument) -> Article:
        url = _str(raw.fields.get("url"))
        try:
            page = extract_html(raw.content, url=url)
        except ValueError as exc:
            raise InputError(raw.origin, str(exc)) from exc
        text = page.text
        title = _str(raw.fields.get("title")) or page.title or _first_sentence(text)
        outlet = _str(raw.fields.get("outlet")) or page.outlet
        date = _date_field(raw.fields.get("date"), "sidecar") or page.date
        return Article(
            id="",
            title=title,
            text=text,
            source=raw.origin,
            url=page.url or url,
            outlet=normalise_outlet(outlet) if outlet else None,
            date=date,
            author=page.author,
            extractor=page.extractor,
            extra={"language": page.language} if page.language else {},
        )

    def _from_record(self, raw: RawDocument) -> Article:
        fields = raw.fields
        body = _str(fields.get("text"))
        if not body:
            raise InputError(raw.origin, "empty text")
        title = _str(fields.get("title"))
        original = body  # the dateline is read from the text before clean-up, which removes it
        removed: list[str] = []
        if "\n" in body:
            clean = clean_plain_text(body)
            body = clean.text
            title = title or clean.title
            removed.extend(clean.removed)
        body, leftovers = strip_inline_leftovers(body, title)
        removed.extend(leftovers)
        url = _str(fields.get("url"))
        outlet = _str(fields.get("outlet")) or (outlet_from_domain(url) if url else None)
        date = _date_field(fields.get("date"), "dataset") or date_from_text(original)
        extra: dict[str, Any] = dict(fields.get("extra") or {})
        if removed:
            extra["removed_lines"] = removed
        if fields.get("id") not in (None, ""):
            extra["dataset_id"] = fields["id"]
        return Article(
            id="",
            title=title or _first_sentence(body),
            text=body,
            source=raw.origin,
            url=url,
            outlet=normalise_outlet(outlet) if outlet else None,
            date=date,
            author=_str(fields.get("author")),
            extractor=DATASET_EXTRACTOR,
            extra=extra,
        )


def alias_files(data_aliases: Path, extra: Sequence[Path] = ()) -> tuple[Path, ...]:
    """The user's alias tables: the data directory's ``aliases.toml`` first, then ``--aliases`` files."""
    found = [data_aliases] if data_aliases.exists() else []
    return tuple(found + [Path(p) for p in extra])


def column_map_from_options(pairs: Sequence[str]) -> Mapping[str, str]:
    """``--map text=article_content`` options into a mapping; raises ValueError on a malformed pair."""
    mapping = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise ValueError(f"--map expects FIELD=COLUMN, not {pair!r}")
        mapping[ours.strip().lower()] = theirs.strip()
    return mapping


def facet_canonicaliser(data: DataDir) -> Callable[[str, str], str | None]:
    """(facet, typed value) → canonical facet value, so ``actor:ISIS`` finds "Islamic State".

    The alias tables load on first use, once per canonicaliser: a search without a fielded
    actor or location never pays for them.
    """

    @functools.cache
    def extractor() -> EntityExtractor:
        return default_extractor(alias_files(data.user_aliases))

    def canonicalise(facet: str, value: str) -> str | None:
        if facet not in ("actor", "location"):
            return None
        found = extractor().extract(value)
        names = found.locations if facet == "location" else found.actors
        return names[0] if len(names) == 1 else None

    return canonicalise
