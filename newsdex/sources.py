"""Finding and reading inputs: files, folders and datasets become raw documents.

Nothing here interprets an article; it only gets bytes and fields off disk,
and turns every problem with an input into an :class:`InputError` that names
the file (and row) and the reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

MAX_ARTICLE_BYTES = 20 * 1024 * 1024  # a single article larger than this is not an article
TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
SIDECAR_SUFFIX = ".meta.json"

# Dataset columns we understand, and the names they go by in the wild.
COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "article_title"),
    "text": ("text", "content", "body", "article_content", "article", "maintext"),
    "outlet": ("outlet", "source", "publisher", "site_name", "site", "source_name"),
    "date": ("date", "published", "publish_date", "date_publish", "published_at", "pubdate"),
    "url": ("url", "link", "canonical_url"),
    "author": ("author", "authors", "byline"),
    "id": ("id",),
}

Kind = Literal["text", "html", "record"]


class InputError(Exception):
    """An input that cannot be read; ``origin`` names the file (and row)."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Errors travel back from extraction worker processes; the default pickling loses ``reason``.
        return (InputError, (self.origin, self.reason))


@dataclass
class RawDocument:
    """One article's worth of input before extraction."""

    kind: Kind
    origin: str  # file path, or "path:row N" for dataset rows
    content: str | bytes = ""
    fields: dict[str, Any] = field(default_factory=dict)  # dataset columns or sidecar metadata


def input_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(SIDECAR_SUFFIX):
        return None
    for kind, suffixes in (
        ("text", TEXT_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("csv", CSV_SUFFIXES),
        ("jsonl", JSONL_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def expand_paths(paths: Sequence[Path]) -> Iterator[Path | InputError]:
    """Files named directly, and files of known kinds found recursively in folders, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if not hidden and input_kind(child) is not None:
                    yield child
        elif path.is_file():
            if input_kind(path) is None:
                yield InputError(str(path), "unsupported file type (expected .txt, .html, .csv or .jsonl)")
            else:
                yield path
        else:
            yield InputError(str(path), "no such file or folder")


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_ARTICLE_BYTES and not path.name.endswith(".gz"):
        raise InputError(
            str(path), f"too large for one article ({size / 1e6:.0f} MB > {MAX_ARTICLE_BYTES // 2**20} MiB)"
        )
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(str(path), f"broken gzip file ({exc})") from exc
        if len(data) > MAX_ARTICLE_BYTES:
            raise InputError(str(path), "too large for one article once decompressed")
    if not data.strip():
        raise InputError(str(path), "empty file")
    if b"\x00" in data[:8192]:
        raise InputError(str(path), "binary file (contains NUL bytes), not text")
    return data


def decode_text(data: bytes, origin: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; anything else is reported, not guessed."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(origin, "undecodable text (neither UTF-8 nor Windows-1252)")


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata a user keeps beside a text file: ``story.txt`` + ``story.meta.json``."""
    sidecar = path.with_name(path.name.split(".")[0] + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(sidecar), f"unreadable sidecar metadata ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(str(sidecar), "sidecar metadata must be a JSON object")
    return data


def resolve_columns(available: Sequence[str], column_map: Mapping[str, str], origin: str) -> dict[str, str]:
    """Our field → the dataset's column, from ``--map`` first, then the usual names (case-insensitive)."""
    lower = {c.lower().strip(): c for c in available}
    chosen: dict[str, str] = {}
    for ours, theirs in column_map.items():
        if theirs not in available and theirs.lower() not in lower:
            raise InputError(origin, f"--map {ours}={theirs}: no column {theirs!r} (columns: {', '.join(available)})")
        chosen[ours] = theirs if theirs in available else lower[theirs.lower()]
    for ours, candidates in COLUMN_CANDIDATES.items():
        if ours in chosen:
            continue
        for name in candidates:
            if name in lower:
                chosen[ours] = lower[name]
                break
    if "text" not in chosen:
        raise InputError(
            origin,
            f"no text column (looked for {', '.join(COLUMN_CANDIDATES['text'])}; "
            f"columns are {', '.join(available) or 'none'}; use --map text=COLUMN)",
        )
    return chosen


def _record(path: Path, row_no: int, row: Mapping[str, Any], columns: Mapping[str, str]) -> RawDocument:
    used = set(columns.values())
    fields = {ours: row.get(theirs) for ours, theirs in columns.items()}
    fields["extra"] = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    return RawDocument("record", f"{path}:row {row_no}", fields=fields)


def _iter_csv(path: Path, column_map: Mapping[str, str]) -> Iterator[RawDocument | InputError]:
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        yield InputError(str(path), f"unreadable ({exc})")
        return
    if not raw.strip():
        yield InputError(str(path), "empty file")
        return
    try:
        text = decode_text(raw, str(path))
    except InputError as exc:
        yield exc
        return
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    csv.field_size_limit(MAX_ARTICLE_BYTES)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = resolve_columns(reader.fieldnames or [], column_map, str(path))
    except InputError as exc:
        yield exc
        return
    row_no = 1
    try:
        for row_no, row in enumerate(reader, start=2):  # row 1 is the header
            if None in row:  # more cells than header columns
                yield InputError(f"{path}:row {row_no}", "more cells than the header has columns")
                continue
            yield _record(path, row_no, row, columns)
    except csv.Error as exc:
        yield InputError(f"{path}:row {row_no + 1}", f"malformed CSV ({exc}); rest of the file skipped")


def _iter_jsonl(path: Path, column_map: Mapping[str, str]) -> Iterator[RawDocument | InputError]:
    opener = gzip.open if path.name.endswith(".gz") else open
    columns: dict[str, str] | None = None
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as handle:  # type: ignore[operator]
            line_no = 0
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    yield InputError(f"{path}:row {line_no}", f"invalid JSON ({exc.args[0]})")
                    continue
                if not isinstance(row, dict):
                    yield InputError(f"{path}:row {line_no}", "not a JSON object")
                    continue
                if columns is None:
                    try:
                        columns = resolve_columns(list(row), column_map, str(path))
                    except InputError as exc:
                        yield exc
                        return
                yield _record(path, line_no, row, columns)
            if line_no == 0:
                yield InputError(str(path), "empty file")
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        yield InputError(str(path), f"unreadable after row {locals().get('line_no', 0)} ({exc})")


def iter_documents(
    paths: Sequence[Path], column_map: Mapping[str, str] | None = None
) -> Iterator[RawDocument | InputError]:
    """Every raw document in ``paths``, with an :class:`InputError` in place of anything unreadable."""
    column_map = column_map or {}
    for item in expand_paths(paths):
        if isinstance(item, InputError):
            yield item
            continue
        kind = input_kind(item)
        if kind == "csv":
            yield from _iter_csv(item, column_map)
        elif kind == "jsonl":
            yield from _iter_jsonl(item, column_map)
        else:
            try:
                data = _read_bytes(item)
                content: str | bytes = decode_text(data, str(item)) if kind == "text" else data
                yield RawDocument(kind, str(item), content=content, fields=read_sidecar(item))  # type: ignore[arg-type]
            except InputError as exc:
                yield exc
            except OSError as exc:
                yield InputError(str(item), f"unreadable ({exc.strerror or exc})")
