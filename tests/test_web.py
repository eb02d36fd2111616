"""The Flask app through its test client: pages, their JSON twins, escaping, errors."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from newsdex.cli import cli
from webui import create_app


@pytest.fixture(scope="module")
def client(seeds_data):
    app = create_app({"DATA_DIR": str(seeds_data.root), "TESTING": True})
    return app.test_client()


def test_search_page_shows_highlighted_hits_and_facets(client):
    page = client.get("/?q=Konashenkov")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="hit"') == 3
    assert "<mark>Konashenkov</mark>" in html
    assert 'data-facet="outlet"' in html and 'data-facet="location"' in html


def test_facet_links_filter_and_chips_remove(client):
    html = client.get("/?q=Idlib").get_data(as_text=True)
    assert 'href="?q=Idlib&amp;outlet=Press+TV"' in html
    filtered = client.get("/?q=Idlib&outlet=Press+TV").get_data(as_text=True)
    assert filtered.count('class="hit"') == 1 and 'title="Remove filter"' in filtered


def test_api_matches_cli_json(client, seeds_data):
    api = client.get("/api/search?q=airstrikes&location=Idlib&per_page=3").get_json()
    cli_out = CliRunner().invoke(
        cli,
        [
            "query",
            "airstrikes",
            "--location",
            "Idlib",
            "--limit",
            "3",
            "--format",
            "json",
            "--data-dir",
            str(seeds_data.root),
        ],
    )
    expected = json.loads(cli_out.stdout)
    for payload in (api, expected):
        payload.pop("took_ms")
    assert api == expected


def test_malformed_query_is_a_message_not_a_500(client):
    page = client.get('/?q="unclosed')
    assert page.status_code == 400 and "unclosed quote" in page.get_data(as_text=True)
    api = client.get("/api/search?q=(Idlib")
    assert api.status_code == 400 and "never closed" in api.get_json()["message"]
    assert client.get("/api/search?page=zero").status_code == 400


def test_query_with_script_is_escaped(client):
    html = client.get('/?q=<script>alert(1)</script>"x').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    html = client.get("/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert" not in html


def test_article_page_and_json_twin(client):
    hit = client.get("/api/search?q=Rudskoi").get_json()["hits"][0]
    page = client.get(f"/articles/{hit['id']}")
    assert page.status_code == 200 and "Rudskoi" in page.get_data(as_text=True)
    data = client.get(f"/api/articles/{hit['id']}").get_json()
    assert data["id"] == hit["id"] and "others" in data
    assert client.get("/articles/0000000000000000").status_code == 404


def test_no_request_writes(client, seeds_data):
    before = seeds_data.store_path.stat().st_mtime_ns
    client.get("/?q=Idlib")
    client.get("/api/search?q=Idlib")
    assert seeds_data.store_path.stat().st_mtime_ns == before
    assert client.post("/api/search").status_code == 405


# -- the whole sample set: facets, timeline, suggestions, paging, export ------------------------------------------
@pytest.fixture(scope="module")
def big(sample_data):
    app = create_app({"DATA_DIR": str(sample_data.root), "TESTING": True})
    return app.test_client()


def _total(client, qs: str) -> int:
    response = client.get(f"/api/search?{qs}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


def test_facet_values_or_within_and_across(big):
    facets = big.get("/api/search?q=Syria").get_json()["facets"]
    a, b = facets["outlet"][0]["value"], facets["outlet"][1]["value"]
    one = _total(big, urlencode({"q": "Syria", "outlet": a}))
    other = _total(big, urlencode({"q": "Syria", "outlet": b}))
    both = _total(big, urlencode([("q", "Syria"), ("outlet", a), ("outlet", b)]))
    assert both == one + other  # an article has one outlet: OR of two outlets adds up
    actor = facets["actor"][0]["value"]
    narrowed = _total(big, urlencode({"q": "Syria", "outlet": a, "actor": actor}))
    assert narrowed <= min(one, _total(big, urlencode({"q": "Syria", "actor": actor})))


def test_search_page_has_chips_show_more_and_facet_filter(big):
    html = big.get("/?q=Syria").get_data(as_text=True)
    assert 'class="facet-filter"' in html and 'class="show-more"' in html
    assert 'for="filter-actor"' in html  # the filter box is labelled
    facets = big.get("/api/search?q=Syria").get_json()["facets"]
    actor = facets["actor"][0]["value"]
    html = big.get("/?" + urlencode({"q": "Syria", "actor": actor})).get_data(as_text=True)
    assert f'aria-label="Remove filter Actors: {actor}"' in html
    assert 'aria-pressed="true"' in html


def test_date_range_and_timeline(big):
    all_json = big.get("/api/timeline?q=Syria").get_json()
    total = _total(big, "q=Syria")
    charted = sum(b["total"] for b in all_json["buckets"])
    assert charted + all_json["undated"] == total
    assert sum(s["total"] for s in all_json["series"]) == charted
    busiest = max(all_json["buckets"], key=lambda b: b["total"])
    narrowed = _total(big, urlencode({"q": "Syria", "since": busiest["since"], "until": busiest["until"]}))
    assert narrowed == busiest["total"]
    html = big.get("/?q=Syria").get_data(as_text=True)
    assert '<svg class="timeline-svg"' in html
    assert f"since={busiest['since']}&amp;until={busiest['until']}" in html  # a bar links to its dates
    page = big.get(f"/?q=Syria&since={busiest['since']}&until={busiest['until']}").get_data(as_text=True)
    assert 'aria-label="Remove date range"' in page and f'value="{busiest["since"]}"' in page


def test_did_you_mean(big):
    html = big.get("/?q=airstrkes").get_data(as_text=True)
    assert 'id="did-you-mean"' in html and ">airstrikes</a>" in html
    assert big.get("/api/suggest?q=airstrkes+Idlib").get_json()["suggestion"] == "airstrikes Idlib"
    assert big.get("/api/suggest?q=airstrikes").get_json()["suggestion"] is None
    assert 'id="did-you-mean"' not in big.get("/?q=Idlib").get_data(as_text=True)


def test_sort_and_pagination(big):
    newest = big.get("/api/search?q=Syria&sort=date&per_page=50").get_json()["hits"]
    dates = [h["date"] for h in newest if h["date"]]
    assert dates == sorted(dates, reverse=True)
    html = big.get("/?q=Syria&page=2").get_data(as_text=True)
    assert '<span aria-current="page" class="current">2</span>' in html
    assert 'rel="prev" href="?q=Syria"' in html and 'rel="next" href="?q=Syria&amp;page=3"' in html
    assert '<ol class="hits" start="11">' in html
    first = big.get("/api/search?q=Syria&page=1").get_json()["hits"]
    second = big.get("/api/search?q=Syria&page=2").get_json()["hits"]
    assert not {h["id"] for h in first} & {h["id"] for h in second}


def test_hits_show_date_provenance_and_entity_chips(big):
    page = big.get("/?q=Syria&per_page=100").get_data(as_text=True)
    assert "date unknown" in page or 'class="badge inferred"' in page
    hit = next(h for h in big.get("/api/search?q=Syria&per_page=100").get_json()["hits"] if h["actors"])
    assert f'aria-label="Add filter actor {hit["actors"][0]}"' in page


@pytest.mark.parametrize(
    "qs",
    [
        'q="unclosed',
        "q=(Idlib",
        "q=Idlib)",
        "since=2017-13",
        "until=yesterday",
        "sort=best",
        "page=0",
        "per_page=1000",
        "since=2018&until=2017",
        "outlet=RT&page=-1",
    ],
)
def test_malformed_queries_are_messages_everywhere(big, qs):
    page = big.get(f"/?{qs}")
    assert page.status_code == 400 and 'role="alert"' in page.get_data(as_text=True)
    for route in ("/api/search", "/api/timeline", "/api/suggest", "/export/search.csv", "/export/search.jsonl"):
        response = big.get(f"{route}?{qs}")
        assert response.status_code == 400, route
        assert response.get_json()["message"]


def test_export_streams_every_match(big):
    total = _total(big, "q=Syria")
    assert total > 100  # more than one export batch and far more than a page
    response = big.get("/export/search.csv?q=Syria&page=3")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="newsdex-Syria-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "title", "outlet", "date"] and len(rows) == total + 1
    paged = [
        h["id"]
        for n in range(1, total // 100 + 2)
        for h in big.get(f"/api/search?q=Syria&per_page=100&page={n}").get_json()["hits"]
    ]
    assert [r[0] for r in rows[1:]] == paged  # the same matches in the same order as paging the API
    lines = big.get("/export/search.jsonl?q=Syria&outlet=Sputnik&text=1").get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == _total(big, "q=Syria&outlet=Sputnik")
    assert all(r["outlet"] == "Sputnik" and r["text"] and "<mark>" not in r["snippet"] for r in records)


def test_article_page_marks_words_and_entities(big):
    hit = next(h for h in big.get("/api/search?q=chemical&per_page=50").get_json()["hits"] if h["actors"])
    page = big.get(f"/articles/{hit['id']}?q=chemical").get_data(as_text=True)
    assert "<mark>" in page and 'class="ent ent-actor"' in page
    assert "Provenance" in page and hit["id"] in page
    assert page.count("<p>") >= 2
    data = big.get(f"/api/articles/{hit['id']}?q=chemical").get_json()
    assert any("<mark>" in p for p in data["paragraphs_html"]) and data["query_error"] is None
    assert data["others_days"] == 7 and all(o["outlet"] != data["outlet"] for o in data["others"])
    bad = big.get(f"/articles/{hit['id']}?q=%22chemical")
    assert bad.status_code == 200 and "not highlighted" in bad.get_data(as_text=True)


def test_compare_view_and_twin(big):
    hit = big.get("/api/search?q=chemical+attack+Khan+Sheikhoun").get_json()["hits"][0]
    article = big.get(f"/api/articles/{hit['id']}?days=30").get_json()
    assert article["others"], "the samples hold other reports of Khan Sheikhoun"
    page = big.get(f"/articles/{hit['id']}/compare?days=30&q=chemical").get_data(as_text=True)
    assert page.count('<article class="pane') == 1 + min(3, len(article["others"]))
    other = article["others"][-1]["id"]
    chosen = big.get(f"/articles/{hit['id']}/compare?days=30&with={other}").get_data(as_text=True)
    assert chosen.count('<article class="pane') == 2 and f"/articles/{other}" in chosen
    twin = big.get(f"/api/articles/{hit['id']}/compare?days=30&with={other}").get_json()
    assert [p["id"] for p in twin["panes"]] == [hit["id"], other]
    assert big.get("/articles/0000000000000000/compare").status_code == 404
    missing = big.get("/api/articles/0000000000000000")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not found"


def test_api_is_documented(big):
    spec = big.get("/api/openapi.yaml")
    assert spec.status_code == 200
    text = spec.get_data(as_text=True)
    routes = {r.rule for r in big.application.url_map.iter_rules() if r.rule.startswith(("/api/", "/export/"))}
    for rule in routes - {"/api/openapi.yaml"}:
        documented = rule.replace("<article_id>", "{article_id}").replace("<fmt>", "csv")
        assert f"  {documented}:" in text, rule


def test_headers_and_loopback_default(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    host = next(p for p in cli.commands["serve"].params if p.name == "host")
    assert host.default == "127.0.0.1"


# -- hostile articles and queries --------------------------------------------------------------------------------
HOSTILE_TITLE = '<script>alert("title")</script> Hostile "quoted" report'
HOSTILE_BODY = (
    'Idlib residents said "><img src=x onerror=alert(1)> nothing.\n\n'
    "A second paragraph with <script>alert('body')</script> and ' onmouseover='alert(2) quotes near Idlib."
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from newsdex.config import DataDir
    from newsdex.pipeline import ingest

    root = tmp_path_factory.mktemp("hostile")
    src = root / "src"
    src.mkdir()
    (src / "story.txt").write_text(f"{HOSTILE_TITLE}\n\n{HOSTILE_BODY}\n", encoding="utf-8")
    meta = {"outlet": 'Evil" onmouseover="alert(3)', "date": "2017-04-05", "url": "javascript:alert(4)"}
    (src / "story.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    data = DataDir(root / "data")
    report = ingest([src], data, engine_name="whoosh")
    assert report.added == 1, report.errors
    app = create_app({"DATA_DIR": str(data.root), "TESTING": True})
    return app.test_client()


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img" not in html
    assert '" onmouseover="' not in html and "' onmouseover='" not in html
    assert 'href="javascript:' not in html


def test_hostile_article_is_escaped_everywhere(hostile):
    hit = hostile.get("/api/search?q=Idlib").get_json()["hits"][0]
    assert "<script>" not in hit["title_html"] and "<img" not in hit["snippet_html"]
    article_id = hit["id"]
    for url in (
        "/?q=Idlib",
        "/?q=hostile",
        "/?q=alert",
        f"/articles/{article_id}?q=script",
        f"/articles/{article_id}/compare?q=onerror",
        "/?" + urlencode({"outlet": hit["outlet"] or "x"}),
    ):
        response = hostile.get(url)
        assert response.status_code in (200, 400), url
        _assert_inert(response.get_data(as_text=True))
    exported = hostile.get("/export/search.csv?q=Idlib").get_data(as_text=True)
    assert "javascript:alert(4)" in exported  # data is exported as is, only HTML is escaped


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        '"><script>alert(1)</script>',
        "' onfocus='alert(1)",
        '" autofocus onfocus="alert(1)',
        'actor:"<img src=x onerror=alert(1)>"',
        "airstrkes <script>",
    ],
)
def test_hostile_queries_are_escaped(hostile, q):
    for url in (f"/?{urlencode({'q': q})}", f"/?{urlencode({'q': q, 'outlet': q, 'since': q})}"):
        response = hostile.get(url)
        assert response.status_code in (200, 400)
        _assert_inert(response.get_data(as_text=True))
        html = response.get_data(as_text=True)
        assert "onfocus='alert" not in html and 'onfocus="alert' not in html


def test_no_route_writes(big, sample_data):
    def stamps() -> dict[str, int]:
        # SQLite's shared-memory file (-shm) is touched by any reader of a WAL database: not a write
        return {
            str(p): p.stat().st_mtime_ns
            for p in sample_data.root.rglob("*")
            if p.is_file() and not p.name.endswith("-shm")
        }

    before = stamps()
    hit = big.get("/api/search?q=Idlib").get_json()["hits"][0]["id"]
    for url in (
        "/?q=Idlib&outlet=RT",
        "/api/timeline?q=Idlib",
        "/api/suggest?q=Idlb",
        f"/articles/{hit}",
        f"/articles/{hit}/compare",
        f"/api/articles/{hit}",
        "/export/search.csv?q=Idlib",
        "/export/search.jsonl",
    ):
        assert big.get(url).status_code == 200, url
    for url in ("/", "/export/search.csv", f"/api/articles/{hit}"):
        assert big.post(url).status_code == 405
    assert stamps() == before
