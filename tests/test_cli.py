"""Every command through click's CliRunner, as a user would type it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from newsdex.cli import cli
from tests.conftest import REPO, SEEDS


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_then_query_json_shape(run, tmp_path):
    data = str(tmp_path / "d")
    result = run("ingest", str(SEEDS), "--data-dir", data)
    assert result.exit_code == 0
    assert "5 added, 0 updated, 0 unchanged, 0 skipped" in result.stderr
    out = _json(run("query", "Konashenkov", "--data-dir", data, "--format", "json"))
    assert set(out) >= {"total", "hits", "facets", "page"}
    assert out["total"] == 3 and out["page"] == 1
    assert all("<mark>Konashenkov</mark>" in h["snippet_html"] for h in out["hits"])
    assert set(out["facets"]) == {"outlet", "actor", "location", "month"}


def test_data_dir_from_environment(run, seeds_data):
    out = _json(run("query", "Idlib", "--format", "json", env={"NEWSDEX_DATA": str(seeds_data.root)}))
    assert out["total"] == 5


def test_query_filters_sort_and_paging(run, seeds_data):
    d = str(seeds_data.root)
    out = _json(run("query", "--data-dir", d, "--format", "json", "--outlet", "Press TV"))
    assert out["total"] == 1 and out["hits"][0]["outlet"] == "Press TV"
    page2 = _json(run("query", "Idlib", "--data-dir", d, "--format", "json", "--limit", "2", "--page", "2"))
    assert page2["page"] == 2 and len(page2["hits"]) == 2 and page2["pages"] == 3
    out = _json(run("query", '"Islamic State"', "--data-dir", d, "--format", "json", "--location", "Idlib"))
    assert out["total"] >= 1 and all("Idlib" in h["locations"] for h in out["hits"])


def test_query_table_marks_matches_when_piped(run, seeds_data):
    result = run("query", "Konashenkov", "--data-dir", str(seeds_data.root), "--facets")
    assert result.exit_code == 0
    assert "**Konashenkov**" in result.stdout and "\x1b[" not in result.stdout
    assert "hits (page 1/1" in result.stdout and "actor:" in result.stdout


def test_query_csv(run, seeds_data):
    result = run("query", "Idlib", "--data-dir", str(seeds_data.root), "--format", "csv")
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("id,title,outlet,date") and len(lines) == 6


@pytest.mark.parametrize("bad", ['"unclosed', "(Idlib", "nosuch:field", "date:2017-13"])
def test_malformed_query_is_usage_error_not_traceback(run, seeds_data, bad):
    result = run("query", bad, "--data-dir", str(seeds_data.root))
    assert result.exit_code == 2
    assert "bad query" in result.stderr and "Traceback" not in result.output


def test_missing_data_dir_is_a_clear_error(run, tmp_path):
    result = run("query", "x", "--data-dir", str(tmp_path / "none"))
    assert result.exit_code == 1 and "run 'newsdex ingest PATH' first" in result.stderr


def test_show_by_prefix_and_json(run, seeds_data):
    out = _json(run("query", "Rudskoi", "--data-dir", str(seeds_data.root), "--format", "json"))
    article_id = out["hits"][0]["id"]
    text = run("show", article_id[:6], "--data-dir", str(seeds_data.root))
    assert text.exit_code == 0 and "Press TV" in text.stdout and "Rudskoi" in text.stdout
    data = _json(run("show", article_id, "--data-dir", str(seeds_data.root), "--format", "json"))
    assert data["id"] == article_id and data["date"]["provenance"] in ("published", "inferred", "unknown")
    missing = run("show", "ffffffffffff", "--data-dir", str(seeds_data.root))
    assert missing.exit_code == 1 and "no article" in missing.stderr


def test_stats(run, seeds_data):
    info = _json(run("stats", "--data-dir", str(seeds_data.root), "--format", "json"))
    assert info["articles"] == 5 and info["indexed"] == 5 and info["in_sync"] is True
    assert info["outlets"]["Press TV"] == 1
    text = run("stats", "--data-dir", str(seeds_data.root))
    assert "articles: 5" in text.stdout


def test_rebuild_from_store_and_from_sources(run, tmp_path):
    data = str(tmp_path / "d")
    result = run("rebuild", "--from", str(SEEDS), "--data-dir", data)
    assert result.exit_code == 0 and "5 added" in result.stderr
    again = run("rebuild", "--data-dir", data)
    assert again.exit_code == 0 and "indexed 5 articles" in again.stderr
    assert _json(run("query", "--data-dir", data, "--format", "json"))["total"] == 5


def test_index_of_another_analysis_asks_for_a_rebuild(run, tmp_path):
    data = tmp_path / "d"
    assert run("ingest", str(SEEDS), "--data-dir", str(data)).exit_code == 0
    (stamp,) = data.glob("index/whoosh/gen-*/newsdex-index.json")
    stamp.write_text('{"analysis": "newsdex-analysis 1"}', encoding="utf-8")
    for args in (("query", "Idlib"), ("ingest", str(SEEDS)), ("serve",)):
        result = run(*args, "--data-dir", str(data))
        assert result.exit_code == 1, args
        assert "newsdex-analysis 1" in result.stderr and "run 'newsdex rebuild'" in result.stderr
    assert run("rebuild", "--data-dir", str(data)).exit_code == 0
    assert _json(run("query", "Idlib", "--data-dir", str(data), "--format", "json"))["total"] == 5


def test_rebuild_without_store_explains(run, tmp_path):
    result = run("rebuild", "--data-dir", str(tmp_path / "empty"))
    assert result.exit_code == 1 and "rebuild --from" in result.stderr


def test_ingest_reports_bad_files_and_continues(run, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("A headline\n\nRussian jets struck Idlib on Tuesday.", encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\x00\x00binary")
    result = run("ingest", str(src), "--data-dir", str(tmp_path / "d"))
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "bad.txt: binary file" in result.stderr
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in result.stderr


def test_ingest_with_only_bad_files_fails(run, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = run("ingest", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.exit_code == 1 and "nothing could be ingested" in result.stderr


def test_ingest_overrides_and_column_map(run, tmp_path):
    src = tmp_path / "rows.csv"
    src.write_text("headline,story\nStrikes,Russian jets hit Idlib.\n", encoding="utf-8")
    data = str(tmp_path / "d")
    result = run(
        "ingest", str(src), "--data-dir", data, "--map", "text=story", "--outlet", "Wire", "--date", "2017-09-28"
    )
    assert result.exit_code == 0, result.output
    hit = _json(run("query", "Idlib", "--data-dir", data, "--format", "json"))["hits"][0]
    assert (hit["outlet"], hit["date"], hit["title"]) == ("Wire", "2017-09-28", "Strikes")
    bad = run("ingest", str(src), "--data-dir", data, "--map", "nonsense")
    assert bad.exit_code == 2 and "FIELD=COLUMN" in bad.stderr


def test_unknown_engine_is_rejected(run, seeds_data):
    result = run("query", "x", "--data-dir", str(seeds_data.root), "--engine", "lucene")
    assert result.exit_code == 2


def test_entities_reapply_with_a_user_table(run, tmp_path):
    data = tmp_path / "d"
    run("ingest", str(SEEDS), "--data-dir", str(data))
    (data / "aliases.toml").write_text(
        '[[entity]]\nname = "Russian MoD"\nkind = "organisation"\n'
        'aliases = ["Russian Defense Ministry", "Russian Defence Ministry", "Russian MoD", '
        '"Russia\'s Defense Ministry"]\n',
        encoding="utf-8",
    )
    result = run("entities", "--reapply", "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    out = _json(run("query", "--data-dir", str(data), "--format", "json", "--actor", "Russian MoD"))
    assert out["total"] >= 3


def test_entities_unknown_lists_names(run, seeds_data):
    result = run("entities", "--unknown", "--min-count", "2", "--data-dir", str(seeds_data.root))
    assert result.exit_code == 0


def test_python_ingest_py_works_like_newsdex_ingest(tmp_path):
    proc = subprocess.run(
        [sys.executable, "ingest.py", str(SEEDS), "--data-dir", str(tmp_path / "d")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "5 added" in proc.stderr


def test_fielded_values_resolve_case_and_aliases(run, seeds_data):
    d = str(seeds_data.root)
    by_alias = _json(run("query", "actor:ISIS", "--data-dir", d, "--format", "json"))
    canonical = _json(run("query", 'actor:"Islamic State"', "--data-dir", d, "--format", "json"))
    assert by_alias["total"] == canonical["total"] >= 2
    assert _json(run("query", 'outlet:"press tv"', "--data-dir", d, "--format", "json"))["total"] == 1
    place = _json(run("query", 'location:"Jisr al Shqour"', "--data-dir", d, "--format", "json"))
    assert place["total"] == 1 and "Jisr al-Shughur" in place["hits"][0]["locations"]
