"""The curated alias table: one entry per entity, loaded from TOML and merged with users' tables.

The table is what makes one entity one facet value. It lives in TOML so analysts can read and
extend it without touching code; a user file overrides a built-in entry of the same canonical
name (or, with ``extend = true``, adds to it).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

KINDS = ("person", "organisation", "armed_group", "state", "place")
ACTOR_KINDS = frozenset({"person", "organisation", "armed_group", "state"})

# Characters that differ between spellings of the same alias but not in meaning.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_APOSTROPHES = "\u2019\u2018\u02bc`\u00b4"
_FOLD = str.maketrans({**{c: " " for c in _DASHES}, **{c: "'" for c in _APOSTROPHES}, "\u00a0": " "})
_SPACES = re.compile(r"\s+")


class AliasTableError(ValueError):
    """An alias table cannot be used (bad TOML, unknown kind, missing name)."""


def fold(text: str) -> str:
    """Fold dashes, apostrophes and runs of white space so spelling variants of an alias meet.

    Keeps length unchanged except for white-space runs; callers that need offsets fold
    character by character themselves.
    """
    return _SPACES.sub(" ", text.translate(_FOLD)).strip()


@dataclass
class Entry:
    """One entity of the table."""

    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    government: list[str] = field(default_factory=list)
    credit: bool = False
    iso: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    capital_of: str | None = None
    source: str = "built-in"

    @property
    def is_actor(self) -> bool:
        return self.kind in ACTOR_KINDS

    @property
    def is_place(self) -> bool:
        return self.kind == "place"


_LIST_KEYS = ("aliases", "acronyms", "context", "government")
_SCALAR_KEYS = ("kind", "credit", "iso", "country", "lat", "lon", "capital_of")


def _entry_from(raw: dict[str, object], source: str) -> tuple[Entry, bool]:
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AliasTableError(f"{source}: an [[entity]] has no name")
    kind = raw.get("kind", "")
    extend = bool(raw.get("extend", False))
    if not extend and kind not in KINDS:
        raise AliasTableError(f"{source}: {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}")
    values: dict[str, object] = {"name": name.strip(), "kind": kind, "source": source}
    for key in _LIST_KEYS:
        items = raw.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise AliasTableError(f"{source}: {name!r}: {key} must be a list of strings")
        values[key] = list(items)
    for key in _SCALAR_KEYS[1:]:
        if key in raw:
            values[key] = raw[key]
    for key in ("lat", "lon"):
        if values.get(key) is not None:
            values[key] = float(values[key])  # type: ignore[arg-type]
    return Entry(**values), extend  # type: ignore[arg-type]


def read_table(text: str, source: str) -> list[tuple[Entry, bool]]:
    """Parse one TOML table; returns entries with their ``extend`` flag."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AliasTableError(f"{source}: {exc}") from exc
    raw_entries = data.get("entity", [])
    if not isinstance(raw_entries, list):
        raise AliasTableError(f"{source}: expected [[entity]] tables")
    return [_entry_from(raw, source) for raw in raw_entries]


def builtin_table_text() -> str:
    return resources.files(__package__).joinpath("aliases.toml").read_text(encoding="utf-8")


def merge(tables: Iterable[list[tuple[Entry, bool]]]) -> dict[str, Entry]:
    """Later tables win: same canonical name replaces, ``extend`` adds aliases and overrides scalars."""
    merged: dict[str, Entry] = {}
    for table in tables:
        for entry, extend in table:
            old = merged.get(entry.name)
            if extend and old is not None:
                lists = {k: _unique([*getattr(old, k), *getattr(entry, k)]) for k in _LIST_KEYS}
                scalars = {k: getattr(entry, k) for k in _SCALAR_KEYS if getattr(entry, k) not in (None, "", False)}
                merged[entry.name] = replace(old, **lists, **scalars, source=entry.source)
            elif extend:
                raise AliasTableError(f"{entry.source}: {entry.name!r} extends an entry that does not exist")
            else:
                merged.pop(entry.name, None)  # re-insert so a replaced entry ranks with its new table
                merged[entry.name] = entry
    return merged


def load_entries(alias_files: Sequence[Path] = ()) -> dict[str, Entry]:
    """The built-in table, then each user file in order."""
    tables = [read_table(builtin_table_text(), "built-in")]
    for path in alias_files:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AliasTableError(f"cannot read alias table {path}: {exc}") from exc
        tables.append(read_table(text, str(path)))
    return merge(tables)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
