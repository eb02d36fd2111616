"""``make eval``: extraction and entity quality against the research data, in one run.

Runs both evaluations (``bench/eval_extract.py`` and ``bench/eval_entities.py``),
prints their tables one after the other and a one-screen summary against the
targets, and writes ``bench/results/eval.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import eval_entities, eval_extract  # noqa: E402


def summary(extraction: dict, entities: dict) -> list[tuple[str, str, str]]:
    """(measure, value, target) rows for the README."""
    seeds, html = extraction["seeds"], extraction["html"]
    micro = entities["seeds"]["micro"]["all"]
    return [
        ("seeds: boilerplate lines dropped", f"{seeds['boiler_dropped']}/{seeds['boiler_total']}", "all"),
        ("seeds: body lines kept", f"{seeds['kept']}/{seeds['kept_total']}", "all"),
        ("HTML body token F1 (English, micro)", f"{html['micro_f1']:.3f}", "≥ 0.95"),
        ("HTML title accuracy", f"{html['title_ok']}/{html['title_total']}", "≥ 97 %"),
        ("HTML date exact day", f"{html['date_ok']}/{html['date_total']}", "≥ 95 %"),
        (
            "HTML pages/s (1 core): first pass / second pass",
            f"{html['pages_per_s']:.1f} / {html['pages_per_s_second_pass']:.1f}",
            "≥ 30",
        ),
        ("seeds entity F1 (actors+locations)", f"{micro['f1']:.3f}", "≥ 0.95"),
        ("FA-KES location recall", f"{entities['fakes']['location_recall']:.3f}", "≥ 0.90"),
        ("entity extraction articles/s (1 core)", f"{entities['articles_per_second_per_core']:.0f}", "≥ 150"),
        ("entity tables RSS", f"{entities['tables_rss_mb']} MB", "≤ 100 MB"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=None, help="shared data dir (default: $NEWSDEX_SHARED or ../shared)"
    )
    args = parser.parse_args(argv)
    shared = args.shared or eval_extract.default_shared()
    if not (shared / "html" / "manifest.json").exists():
        print(f"shared data not found at {shared} (use --shared or NEWSDEX_SHARED)", file=sys.stderr)
        return 2
    extraction = eval_extract.evaluate(shared)
    print(eval_extract.format_table(extraction))
    print()
    entities = eval_entities.evaluate(shared)
    eval_entities.print_table(entities)
    rows = summary(extraction, entities)
    print("\n| measure | value | target |\n| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    out = REPO / "bench" / "results" / "eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"extraction": extraction, "entities": entities, "summary": rows}
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
