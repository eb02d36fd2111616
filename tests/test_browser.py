"""The search UI in a real headless Chromium: what an analyst does in a session, end to end.

Uses the system's Chromium (Debian ``chromium``) through Playwright's ``executable_path``;
Playwright never downloads a browser.  Without Chromium the tests skip, except in CI
(``CI=true``), where a missing browser is a failure.  Screenshots go to
``test-artifacts/browser/`` at the repo root (git-ignored), one PNG per step.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from webui import create_app

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    """The system Chromium, or skip (fail in CI) with the reason."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    if path is None:
        reason = "no chromium on PATH (Debian: apt-get install chromium; or `make browser`)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright Python package is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    return path  # type: ignore[return-value]


@pytest.fixture(scope="module")
def server(sample_data) -> Iterator[str]:
    """The app on a free loopback port, in a thread, for the module's tests."""
    app = create_app({"DATA_DIR": str(sample_data.root)})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def total(page) -> int:
    return int(page.locator("#total").inner_text().replace(",", ""))


def test_search_facet_chip_paging_article_compare(server, page):
    page.goto(server + "/")
    page.fill("#q", "Syria")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Syria"))
    everything = total(page)
    assert everything > 20
    assert page.locator(".hit mark").count() > 0
    shot(page, "01-search")

    # A facet value: the count drops, a removable chip appears, the URL carries the filter.
    outlet = page.locator('.facet[data-facet="outlet"] li a').first
    value = outlet.get_attribute("data-value")
    outlet.click()
    page.wait_for_url(re.compile(r"outlet="))
    narrowed = total(page)
    assert 0 < narrowed < everything
    chip = page.locator(".active-filters .chip.removable")
    assert chip.count() == 1 and value in chip.inner_text()
    assert page.locator('.facet[data-facet="outlet"] li.selected').count() == 1
    shot(page, "02-facet-chip")

    # The back button is the undo button: state lives in the URL.
    page.go_back()
    page.wait_for_url(lambda url: "outlet=" not in url)
    assert total(page) == everything
    page.go_forward()
    page.wait_for_url(re.compile(r"outlet="))
    assert total(page) == narrowed

    # Removing the chip restores the count.
    page.locator(".active-filters .chip.removable").click()
    page.wait_for_url(lambda url: "outlet=" not in url)
    assert total(page) == everything

    # Paging.
    first_titles = page.locator(".hit h3").all_inner_texts()
    page.locator('.pager a[rel="next"]').click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator('.pager [aria-current="page"]').inner_text() == "2"
    assert page.locator(".hits").get_attribute("start") == "11"
    assert set(page.locator(".hit h3").all_inner_texts()).isdisjoint(first_titles)
    shot(page, "03-page-2")

    # The article: highlighted words, entity marks, provenance, how others reported it.
    page.goto(server + "/?q=chemical+attack+Khan+Sheikhoun")
    page.locator(".hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/articles/"))
    assert page.locator(".article .body mark").count() > 0
    assert page.locator(".article .body .ent-location").count() > 0
    assert page.locator(".provenance").is_visible()
    shot(page, "04-article")
    page.select_option("#days", "30")
    page.wait_for_url(re.compile(r"days=30"))
    page.locator("#compare-link").click()
    page.wait_for_url(re.compile(r"/compare"))
    panes = page.locator("article.pane")
    assert panes.count() >= 2
    assert page.locator("article.pane.origin").count() == 1
    shot(page, "05-compare")


def test_timeline_facet_filter_sort_and_keyboard(server, page):
    page.goto(server + "/?q=Syria")
    everything = total(page)
    bars = page.locator(".timeline-svg a")
    assert bars.count() > 3
    # The busiest bar narrows the dates to its month.
    busiest = max(range(bars.count()), key=lambda i: page.locator(".timeline-svg a").nth(i).locator("rect").count())
    bars.nth(busiest).click()
    page.wait_for_url(re.compile(r"since=\d{4}-\d{2}-01&until=\d{4}-\d{2}-\d{2}"))
    assert 0 < total(page) < everything
    assert page.locator('[aria-label="Remove date range"]').count() == 1
    assert page.input_value("#since").endswith("-01")
    shot(page, "06-timeline-narrowed")

    # Filter within a long facet, then "show more".
    page.goto(server + "/?q=Syria")
    actors = page.locator('.facet[data-facet="actor"] li')
    visible_before = page.locator('.facet[data-facet="actor"] li:visible').count()
    assert visible_before == 8 < actors.count()
    page.fill("#filter-actor", "assad")
    page.wait_for_function("document.querySelectorAll('.facet[data-facet=actor] li:not(.filtered-out)').length < 8")
    shown = page.locator('.facet[data-facet="actor"] li:visible').all_inner_texts()
    assert shown and all("assad" in s.lower() for s in shown)
    page.fill("#filter-actor", "")
    page.locator('.show-more[data-more="actor"]').click()
    assert page.locator('.facet[data-facet="actor"] li:visible').count() == actors.count()

    # Sort by date from the select (applies at once), keyboard "/" focuses the search box.
    page.select_option("#sort", "newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = [d for d in page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)") if d]
    assert dates == sorted(dates, reverse=True)
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")


def test_errors_suggestions_and_phone_width(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(server + "/?q=airstrkes")
        assert page.locator("#did-you-mean").inner_text() == "airstrikes"
        assert not page.locator("details.sidebar").evaluate("d => d.open")  # filters fold away on a phone
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
        shot(page, "07-phone-suggestion")
        page.locator("#did-you-mean").click()
        page.wait_for_url(re.compile(r"q=airstrikes"))
        assert total(page) > 0
        response = page.goto(server + '/?q="unclosed')
        assert response is not None and response.status == 400
        assert "unclosed" in page.locator('[role="alert"]').inner_text()
        shot(page, "08-phone-error")
    finally:
        context.close()
