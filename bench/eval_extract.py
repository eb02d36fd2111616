"""Measure the extraction layer against the shared gold data and print one table.

Run as ``python bench/eval_extract.py [--shared PATH]``; the shared data dir defaults to
``$NEWSDEX_SHARED`` or ``../shared`` next to the repo. :func:`evaluate` returns the
figures as a dict (``make eval`` combines it with the entity eval) and the script writes
them to ``bench/results/eval_extract.json``.

How each figure is measured:

* seeds: line labels of ``gold/seeds_lines.json``; a ``boiler`` line must be absent from
  title, dek and paragraphs, every other line present (title/dek lines as title/dek).
* FA-KES: fragments :func:`strip_inline_leftovers` removes (given the row's title).
* HTML body: bag of lowercase word tokens (``\\w+``) of the extracted text against the
  page's expected text; micro (summed overlaps) and mean per-page P/R/F1 over English
  pages (ground-truth lang, else ``<html lang>``, starts with "en"), synthetic fixtures
  excluded. Expected texts that are not article text are excluded by rule and counted:
  empty ones and upper-case notes left by the upstream project ("FAILED, MISSING …").
  goose3 expected texts may be a prefix only: the prediction is cut where the prefix's
  last 4 tokens occur (or at the prefix's length) before counting.
* title: normalised exact match (casefold, whitespace collapsed, quotes and dashes unified)
  on non-synthetic pages whose ground truth has a title.
* date: exact day on non-synthetic pages whose ground truth has ``published``.
* speed: pages per second of :func:`extract_html` over all non-synthetic pages, one core: the first
  pass (which pays the one-time start-up: trafilatura's lazy imports, compiled patterns) and a second
  pass over the same pages, which is what a long ingest sees.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extract.boilerplate import _norm, clean_plain_text, strip_inline_leftovers  # noqa: E402
from extract.dates import date_from_text  # noqa: E402
from extract.html import EXTRACTOR, extract_html  # noqa: E402

_TOKEN = re.compile(r"\w+")
_HTML_LANG = re.compile(rb"""<html[^>]*?\blang\s*=\s*["']?([A-Za-z-]+)""", re.IGNORECASE)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "‐": "-"})


def default_shared() -> Path:
    """``$NEWSDEX_SHARED`` or ``../shared`` beside the repo."""
    env = os.environ.get("NEWSDEX_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def norm_title(t: str | None) -> str:
    """Title comparison form: casefold, unified quotes and dashes, collapsed whitespace."""
    return " ".join((t or "").translate(_QUOTES).casefold().split())


_SITE_SEGMENT = re.compile(r"^\s*(?:[|·•»/\\-]{1,2}|--)\s*\S.{0,40}$")


def title_match_loose(pred: str | None, gold: str) -> bool:
    """Exact match, or equal but for one short " | Site" segment on either side (the fixtures disagree on it)."""
    a, b = norm_title(pred), norm_title(gold)
    if not a:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if long_.startswith(short):
        return bool(_SITE_SEGMENT.match(long_[len(short) :]))
    if long_.endswith(short):
        return bool(_SITE_SEGMENT.match(long_[: -len(short)][::-1]))
    return False


def _invalid_gold(text: str) -> str | None:
    if not text.strip():
        return "empty"
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(text.split()) < 30:
        return "upstream note, not article text"
    return None


def _prefix_cut(pred: list[str], gold: list[str]) -> list[str]:
    k = min(4, len(gold))
    tail = gold[-k:]
    for i in range(len(pred) - k + 1):
        if pred[i : i + k] == tail:
            return pred[: i + k]
    return pred[: len(gold)]


def eval_seeds(shared: Path) -> dict[str, Any]:
    gold = json.loads((shared / "gold" / "seeds_lines.json").read_text(encoding="utf-8"))
    res = {"boiler_dropped": 0, "boiler_total": 0, "kept": 0, "kept_total": 0, "structure_ok": 0, "errors": []}
    where_of = {"title": "title", "dek": "dek", "subhead": "subhead", "body": "body", "boiler": "dropped"}
    for name, labels in gold["files"].items():
        ct = clean_plain_text((shared / "seeds" / name).read_text(encoding="utf-8"))
        paras = set(ct.paragraphs)
        for lab in labels:
            t = _norm(lab["text"])
            if t == ct.title:
                where = "title"
            elif t == ct.dek:
                where = "dek"
            elif t in ct.subheads:
                where = "subhead"
            elif t in paras:
                where = "body"
            else:
                where = "dropped"
            if lab["label"] == "boiler":
                res["boiler_total"] += 1
                res["boiler_dropped"] += where == "dropped"
            else:
                res["kept_total"] += 1
                res["kept"] += where != "dropped"
            if where == where_of[lab["label"]]:
                res["structure_ok"] += 1
            else:
                res["errors"].append(f"{name}:{lab['line']} {lab['label']} -> {where}")
    return res


def eval_fakes(shared: Path) -> dict[str, Any]:
    rows = [json.loads(x) for x in (shared / "corpus" / "fakes.jsonl").read_text(encoding="utf-8").splitlines() if x]
    removed: list[str] = []
    touched = 0
    dates_ok = dates_known = 0
    for r in rows:
        if r.get("date_in_text"):
            dates_known += 1
            dates_ok += date_from_text(r["text"]).value == dt.date.fromisoformat(r["date_in_text"])
        _, rem = strip_inline_leftovers(r["text"], r.get("title"))
        removed.extend(rem)
        touched += bool(rem)
    kinds = collections.Counter(_TOKEN.sub("#", x)[:40] for x in removed)
    step = max(1, len(removed) // 5)
    return {
        "rows": len(rows),
        "dateline_agrees": dates_ok,
        "dateline_known": dates_known,
        "rows_touched": touched,
        "fragments_removed": len(removed),
        "samples": [x[:90] for x in removed[::step][:5]],
        "top_shapes": kinds.most_common(5),
    }


def _lang(entry: dict[str, Any], raw: bytes) -> str:
    lang = entry["ground_truth"].get("lang")
    if not lang:
        m = _HTML_LANG.search(raw[:20000])
        lang = m.group(1).decode() if m else ""
    return lang.lower()


def _second_pass_speed(html_dir: Path, pages: list[dict[str, Any]]) -> float:
    """Pages per second of :func:`extract_html` over ``pages`` again, start-up costs paid."""
    raws = [((html_dir / e["file"]).read_bytes(), e.get("url")) for e in pages]
    t0 = time.perf_counter()
    for raw, url in raws:
        with contextlib.suppress(ValueError):  # counted as failures by the first pass
            extract_html(raw, url=url)
    elapsed = time.perf_counter() - t0
    return len(raws) / elapsed if elapsed else 0.0


def eval_html(shared: Path) -> dict[str, Any]:
    html_dir = shared / "html"
    manifest = json.loads((html_dir / "manifest.json").read_text(encoding="utf-8"))
    pages = [e for e in manifest if not e.get("likely_synthetic_fixture")]
    per_page: list[dict[str, Any]] = []
    excluded: collections.Counter[str] = collections.Counter()
    titles = [0, 0]
    titles_loose = 0
    dates = [0, 0]
    failures: list[str] = []
    title_misses: list[str] = []
    date_misses: list[str] = []
    elapsed = 0.0
    for e in pages:
        raw = (html_dir / e["file"]).read_bytes()
        t0 = time.perf_counter()
        try:
            art = extract_html(raw, url=e.get("url"))
        except ValueError as exc:
            art = None
            failures.append(f"{e['file']}: {exc}")
        elapsed += time.perf_counter() - t0
        gt = e["ground_truth"]
        if gt.get("title"):
            titles[1] += 1
            ok = art is not None and norm_title(art.title) == norm_title(gt["title"])
            titles[0] += ok
            titles_loose += art is not None and title_match_loose(art.title, gt["title"])
            if not ok:
                title_misses.append(f"{e['file']}: {art.title if art else None!r} != {gt['title']!r}")
        if gt.get("published"):
            want = dt.date.fromisoformat(str(gt["published"])[:10])
            dates[1] += 1
            ok = art is not None and art.date.value == want
            dates[0] += ok
            if not ok:
                date_misses.append(f"{e['file']}: {art.date if art else None} != {want}")
        if not e.get("body_file") or not _lang(e, raw).startswith("en"):
            continue
        gold_text = (html_dir / e["body_file"]).read_text(encoding="utf-8", errors="replace")
        why = _invalid_gold(gold_text)
        if why:
            excluded[why] += 1
            continue
        gold = _tokens(gold_text)
        pred = _tokens(art.text) if art else []
        if "prefix" in (e.get("body_kind") or ""):
            pred = _prefix_cut(pred, gold)
        overlap = sum((collections.Counter(gold) & collections.Counter(pred)).values())
        per_page.append({"file": e["file"], "overlap": overlap, "pred": len(pred), "gold": len(gold)})
    ov = sum(p["overlap"] for p in per_page)
    pr = ov / max(1, sum(p["pred"] for p in per_page))
    rc = ov / max(1, sum(p["gold"] for p in per_page))

    def f1(p: dict[str, Any]) -> float:
        return 2 * p["overlap"] / (p["pred"] + p["gold"]) if p["pred"] + p["gold"] else 1.0

    for p in per_page:
        p["f1"] = round(f1(p), 3)
    n = max(1, len(per_page))
    return {
        "pages_en": len(per_page),
        "excluded_gold": dict(excluded),
        "micro_p": pr,
        "micro_r": rc,
        "micro_f1": 2 * pr * rc / (pr + rc) if pr + rc else 0.0,
        "mean_p": sum(p["overlap"] / max(1, p["pred"]) for p in per_page) / n,
        "mean_r": sum(p["overlap"] / max(1, p["gold"]) for p in per_page) / n,
        "mean_f1": sum(p["f1"] for p in per_page) / n,
        "worst": sorted(per_page, key=lambda p: p["f1"])[:10],
        "title_ok": titles[0],
        "title_total": titles[1],
        "title_ok_site_segment_tolerated": titles_loose,
        "title_misses": title_misses,
        "date_ok": dates[0],
        "date_total": dates[1],
        "date_misses": date_misses,
        "pages_timed": len(pages),
        "pages_per_s": len(pages) / elapsed if elapsed else 0.0,
        "pages_per_s_second_pass": _second_pass_speed(html_dir, pages),
        "failures": failures,
    }


def evaluate(shared: Path | None = None) -> dict[str, Any]:
    """All extraction figures as one dict (also what the script writes as JSON)."""
    shared = shared or default_shared()
    return {
        "extractor": EXTRACTOR,
        "seeds": eval_seeds(shared),
        "fakes": eval_fakes(shared),
        "html": eval_html(shared),
    }


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f} %)" if b else "n/a"


def format_table(r: dict[str, Any]) -> str:
    s, f, h = r["seeds"], r["fakes"], r["html"]
    rows = [
        ("seeds: boiler lines dropped", _pct(s["boiler_dropped"], s["boiler_total"])),
        ("seeds: body/subhead/title/dek kept", _pct(s["kept"], s["kept_total"])),
        ("seeds: exact label (title/dek/subhead)", _pct(s["structure_ok"], s["boiler_total"] + s["kept_total"])),
        ("FA-KES: leftovers removed", f"{f['fragments_removed']} fragments in {f['rows_touched']}/{f['rows']} rows"),
        ("FA-KES: dateline date = date_in_text", _pct(f["dateline_agrees"], f["dateline_known"])),
        *((f"FA-KES sample {i + 1}", x) for i, x in enumerate(f["samples"])),
        (
            f"HTML body, {h['pages_en']} English pages: micro P/R/F1",
            f"{h['micro_p']:.3f} / {h['micro_r']:.3f} / {h['micro_f1']:.3f}",
        ),
        ("HTML body: mean P/R/F1 over pages", f"{h['mean_p']:.3f} / {h['mean_r']:.3f} / {h['mean_f1']:.3f}"),
        ("HTML body: gold excluded by rule", ", ".join(f"{k}: {v}" for k, v in h["excluded_gold"].items()) or "none"),
        ("HTML title exact (normalised)", _pct(h["title_ok"], h["title_total"])),
        ("HTML title, a ' | Site' segment tolerated", _pct(h["title_ok_site_segment_tolerated"], h["title_total"])),
        ("HTML date exact day (where known)", _pct(h["date_ok"], h["date_total"])),
        (
            f"HTML speed ({h['pages_timed']} pages, 1 core)",
            f"{h['pages_per_s']:.1f} pages/s first pass, {h['pages_per_s_second_pass']:.1f} second",
        ),
        ("HTML pages with no text (ValueError)", str(len(h["failures"]))),
    ]
    width = max(len(k) for k, _ in rows)
    line = "-" * (width + 50)
    out = [f"extraction eval — {r['extractor']}", line]
    out += [f"{k.ljust(width)}  {v}" for k, v in rows]
    out.append(line)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=None, help="shared data dir (default: $NEWSDEX_SHARED or ../shared)")
    ap.add_argument("--verbose", action="store_true", help="also list misses and the worst pages")
    args = ap.parse_args(argv)
    shared = args.shared or default_shared()
    if not (shared / "html" / "manifest.json").exists():
        print(f"shared data not found at {shared} (use --shared or NEWSDEX_SHARED)", file=sys.stderr)
        return 2
    res = evaluate(shared)
    print(format_table(res))
    if args.verbose:
        h = res["html"]
        for key in ("title_misses", "date_misses", "failures"):
            print(f"\n{key}:", *h[key], sep="\n  ")
        print("\nworst body pages:", *(f"{p['f1']:.3f} {p['file']}" for p in h["worst"]), sep="\n  ")
        print("\nseed errors:", *res["seeds"]["errors"], sep="\n  ")
    out = REPO / "bench" / "results" / "eval_extract.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
