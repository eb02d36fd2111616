"""Benchmark corpora of a fixed size, built from the shared news corpus.

The shared file is two datasets one after the other (long opinion-balanced
articles, then short Reuters wires), so the first N lines would not be a fair
sample: the corpus is a seeded shuffle of every line instead, identical on
every machine.  Sizes beyond the file are reached by replication, each copy
with a new id and URL so it is a distinct article for newsdex (its id is derived
from the URL), while the text and therefore the index work stay realistic.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

SEED = 20240601
SOURCE_NAME = "corpus/news.jsonl.gz"


def _replica(line: bytes, copy: int) -> bytes:
    """The same article as a different one: new id, new URL (or one made up when it had none)."""
    row = json.loads(line)
    row["id"] = f"{row.get('id', '')}~{copy}"
    url = row.get("url")
    if url:
        row["url"] = f"{url}{'&' if '?' in url else '?'}newsdex_copy={copy}"
    else:
        domain = row.get("outlet_domain") or "example.org"
        row["url"] = f"https://{domain}/newsdex-copy/{copy}/{row['id']}"
    return json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"


def build_corpus(shared: Path, size: int, workdir: Path) -> Path:
    """``workdir/news-<size>.jsonl`` (built once, reused while the source is unchanged)."""
    source = shared / SOURCE_NAME
    if not source.exists():
        raise FileNotFoundError(f"{source} not found: pass --shared or set NEWSDEX_SHARED")
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"news-{size}.jsonl"
    stamp = f"{source.stat().st_size}:{SEED}:{size}"
    stamp_file = target.with_suffix(".stamp")
    if target.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return target
    with gzip.open(source, "rb") as handle:
        lines = [line if line.endswith(b"\n") else line + b"\n" for line in handle if line.strip()]
    order = list(range(len(lines)))
    random.Random(SEED).shuffle(order)
    tmp = target.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for n in range(size):
            copy, pos = divmod(n, len(order))
            line = lines[order[pos]]
            out.write(line if copy == 0 else _replica(line, copy))
    tmp.replace(target)
    stamp_file.write_text(stamp)
    return target


def corpus_stats(path: Path, sample: int = 2000) -> dict[str, float]:
    """Average words per article over the first ``sample`` lines (to compare with other corpora)."""
    words = n = 0
    with path.open("rb") as handle:
        for line in handle:
            words += len(json.loads(line).get("text", "").split())
            n += 1
            if n >= sample:
                break
    return {"avg_words": round(words / max(n, 1), 1)}


def replicate_store(source: Path, target: Path, size: int) -> int:
    """A document store of ``size`` articles made of copies of ``source``'s, each copy with new ids and
    URLs, for runs where extracting every copy again would only measure extraction again.

    A copy's ids start with "~" and its number, so that in id order (the order a rebuild reads) the
    copies follow one another: with the number at the end, an article's copies sat side by side, and
    every segment held ten copies of a tenth as many articles, which made the index smaller and the
    rebuild faster than for as many different articles.

    Returns the number of articles written.
    """
    import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(target.name + "*"):
        stale.unlink()
    db = sqlite3.connect(target)
    try:
        db.execute("ATTACH DATABASE ? AS src", (str(source),))
        db.executescript(
            "".join(f"{row[0]};\n" for row in db.execute("SELECT sql FROM src.sqlite_master WHERE sql IS NOT NULL"))
        )
        columns = [row[1] for row in db.execute("PRAGMA src.table_info(articles)")]
        per_copy = db.execute("SELECT COUNT(*) FROM src.articles").fetchone()[0]
        copies = -(-size // per_copy)
        for copy in range(copies):
            changed = (
                {
                    "id": f"'~{copy:04d}~' || id",
                    "url": f"CASE WHEN url IS NULL THEN NULL ELSE url || '#newsdex-copy-{copy}' END",
                    "indexed": "0",
                }
                if copy
                else {"indexed": "0"}
            )
            select = ", ".join(changed.get(c, c) for c in columns)
            limit = min(per_copy, size - copy * per_copy)
            names = ", ".join(columns)
            db.execute(f"INSERT INTO articles ({names}) SELECT {select} FROM src.articles ORDER BY id LIMIT {limit}")
        db.execute("INSERT OR REPLACE INTO meta SELECT * FROM src.meta")
        db.commit()
        return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        db.close()
