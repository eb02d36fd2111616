"""The Flask app through its test client: pages, their JSON twins, escaping, errors."""

from __future__ import annotations

import json

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
        cli, ["query", "airstrikes", "--location", "Idlib", "--limit", "3", "--format", "json",
              "--data-dir", str(seeds_data.root)],
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
