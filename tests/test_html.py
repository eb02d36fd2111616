"""HTML extraction: a few fixture pages pinned on body F1/title/date, plus inline metadata cases."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re

import pytest

from extract.html import EXTRACTOR, extract_html
from tests.shared_data import shared_dir

# (page, min body F1 against its expected text, expected date)
PINNED = [
    ("readability/bbc-1.html", 0.95, dt.date(2015, 7, 24)),
    ("readability/engadget.html", 0.95, dt.date(2017, 11, 3)),
    ("readability/seattletimes-1.html", 0.95, dt.date(2019, 4, 28)),
    ("newspaper4k/cnn_article.html", 0.9, dt.date(2013, 11, 27)),
    ("newspaper4k/wired_001.html", 0.9, dt.date(2023, 11, 7)),
]


def _f1(pred: str, gold: str) -> float:
    p = collections.Counter(re.findall(r"\w+", pred.lower()))
    g = collections.Counter(re.findall(r"\w+", gold.lower()))
    overlap = sum((p & g).values())
    return 2 * overlap / (sum(p.values()) + sum(g.values()))


@pytest.mark.shared
@pytest.mark.parametrize(("page", "min_f1", "date"), PINNED)
def test_pinned_pages(page: str, min_f1: float, date: dt.date) -> None:
    html_dir = shared_dir() / "html"
    entry = {e["file"]: e for e in json.loads((html_dir / "manifest.json").read_text(encoding="utf-8"))}[page]
    art = extract_html((html_dir / page).read_bytes(), url=entry.get("url"))
    gold = (html_dir / entry["body_file"]).read_text(encoding="utf-8")
    assert _f1(art.text, gold) >= min_f1
    if entry["ground_truth"].get("title"):
        assert " ".join(art.title.split()) == " ".join(entry["ground_truth"]["title"].split())
    assert art.date.value == date
    assert art.date.provenance == "published"


BODY = "".join(
    f"<p>Paragraph {i} of the report says the ministry denied the claims about the strikes in the province, "
    f"and officials repeated that only militant positions were targeted during the week.</p>"
    for i in range(6)
)


def _page(head: str, body: str = BODY, lang: str = "en") -> str:
    article = f"<article><h1>Visible headline here</h1>{body}</article>"
    return f"<html lang='{lang}'><head>{head}</head><body>{article}</body></html>"


def test_metadata_precedence() -> None:
    head = """
    <title>Russia denies strikes | Example News</title>
    <meta property="og:title" content="Russia denies strikes - Example News">
    <meta property="og:site_name" content="Example News">
    <meta property="article:published_time" content="2017-09-26T10:00:00Z">
    <meta name="author" content="By Jane Doe">
    <link rel="canonical" href="https://www.example.com/news/2017/09/25/russia">
    <script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Russia denies Idlib strikes",
     "datePublished": "2017-09-27", "author": {"@type": "Person", "name": "John Roe"},
     "publisher": {"@type": "Organization", "name": "Example News"}}
    </script>"""
    art = extract_html(_page(head))
    assert art.title == "Russia denies Idlib strikes"  # JSON-LD headline first
    assert art.date.value == dt.date(2017, 9, 27)
    assert art.date.source == "html:jsonld:datePublished"
    assert art.author == "John Roe"
    assert art.outlet == "Example News"
    assert art.url == "https://www.example.com/news/2017/09/25/russia"
    assert art.language == "en"
    assert art.extractor == EXTRACTOR
    assert art.text.count("\n\n") == 5
    assert "Paragraph 5" in art.text


def test_fallbacks_and_site_suffix() -> None:
    head = """<title>Russia denies strikes | Press TV</title><meta property="og:site_name" content="Press TV">
    <meta property="og:title" content="Russia denies strikes | Press TV">"""
    art = extract_html(_page(head), url="https://www.presstv.ir/Detail/2017/02/07/510000/Russia")
    assert art.title == "Russia denies strikes"
    assert art.outlet == "Press TV"
    assert art.date.value == dt.date(2017, 2, 7)
    assert art.date.source == "html:url"
    assert art.author is None


def test_unknown_stays_unknown() -> None:
    art = extract_html(_page("<title>Some headline about the talks</title>"))
    assert art.date.provenance == "unknown"
    assert art.date.value is None
    assert art.outlet is None
    assert art.author is None
    assert art.url is None
    assert art.title == "Some headline about the talks"


def test_known_domain_names_outlet() -> None:
    art = extract_html(_page("<title>Headline of the story today</title>"), url="https://www.rt.com/news/1/")
    assert art.outlet == "RT"


def test_bytes_with_declared_and_undeclared_encoding() -> None:
    page = _page("<meta charset='windows-1252'><title>Caf\u00e9 talks \u2013 day two</title>")
    art = extract_html(page.encode("cp1252"))
    assert art.title == "Caf\u00e9 talks \u2013 day two"
    art = extract_html(_page("<title>Caf\u00e9 talks resume</title>").encode("cp1252"))  # no charset, not UTF-8
    assert art.title == "Caf\u00e9 talks resume"


def test_truncated_html_still_extracts() -> None:
    page = _page("<title>Truncated page headline</title>")
    art = extract_html(page[: len(page) - 300])
    assert "Paragraph 0" in art.text


@pytest.mark.parametrize("bad", ["", b"", "   ", "<html><head><title>x</title></head><body></body></html>"])
def test_no_article_text_raises(bad: str | bytes) -> None:
    with pytest.raises(ValueError, match=r"empty|no article text"):
        extract_html(bad)


def test_wrong_type_raises() -> None:
    with pytest.raises(ValueError, match="str or bytes"):
        extract_html(123)  # type: ignore[arg-type]


def _titled(head: str, h1: str) -> str:
    return f"<html lang='en'><head>{head}</head><body><article><h1>{h1}</h1>{BODY}</article></body></html>"


@pytest.mark.parametrize(
    ("head", "h1", "want"),
    [
        # a trailing segment that only another of the page's own sources leaves out goes (author, sections)
        (
            '<meta property="og:title" content="Talks resume in Geneva - Jane Doe">'
            '<meta name="twitter:title" content="Talks resume in Geneva">',
            "Talks resume in Geneva",
            "Talks resume in Geneva",
        ),
        (
            "<title>Talks resume in Geneva \u00bb World \u00bb News \u00bb Daily Example</title>",
            "Talks resume in Geneva",
            "Talks resume in Geneva",
        ),
        ("<title>Talks resume in Geneva-Example</title>", "Talks resume in Geneva", "Talks resume in Geneva"),
        # ... but never for a heading that is shorter than what it would cut, nor for the site's name
        (
            "<title>Example - Talks resume in Geneva after a week</title>",
            "Example",
            "Talks resume in Geneva after a week",
        ),
        # a colon belongs to the headline: "Superbugs:" is kept although no h1 states the title
        (
            "<title>Superbugs: What They Are and How You Get Them</title>",
            "Information and Resources",
            "Superbugs: What They Are and How You Get Them",
        ),
    ],
)
def test_title_agreement(head: str, h1: str, want: str) -> None:
    assert extract_html(_titled(head, h1)).title == want


@pytest.mark.parametrize(
    ("head", "h1", "want"),
    [
        # "Headline - Site - Section": the tail goes when the h1 confirms the headline and the tail names the site
        (
            "<title>Talks resume - Example News - Middle East</title>"
            '<meta property="og:site_name" content="Example News">',
            "Talks resume",
            "Talks resume",
        ),
        # a confirmed headline of four words or more loses a tail up to twice its length (authors)
        (
            '<meta property="og:title" content="Map takes unfamiliar shape - Maggie Haberman and Shira Toeplitz">',
            "Map takes unfamiliar shape",
            "Map takes unfamiliar shape",
        ),
        # the same last segment after two different headlines is the site's name, though no meta says so
        (
            '<meta property="og:title" content="Analysis: Talks stall in Geneva | Example Politics">'
            "<title>Talks stall in Geneva, envoy says | Example Politics</title>",
            "Envoy: no deal this week",
            "Analysis: Talks stall in Geneva",
        ),
        # ... but a title repeating one headline, or sharing a leading segment, names no site
        (
            '<meta property="og:title" content="Minecraft 1.8 - The Bountiful Update">'
            "<title>Minecraft 1.8 - The Bountiful Update - Minecraft 1.8 - The Bountiful Update - Update News</title>",
            "Update News",
            "Minecraft 1.8 - The Bountiful Update",
        ),
        # a CMS that escaped twice: entities resolved; zero-width spaces and soft hyphens dropped
        (
            '<meta property="og:title" content="Sean Penn &amp;amp;#039;proposes&amp;amp;#039; at B&amp;amp;B">',
            "Other",
            "Sean Penn 'proposes' at B&B",
        ),
        ("<title>Talks\u200b re\u00adsume in Geneva today</title>", "Other", "Talks resume in Geneva today"),
    ],
)
def test_title_site_segments_and_cleaning(head: str, h1: str, want: str) -> None:
    assert extract_html(_titled(head, h1)).title == want


def test_site_segment_matches_whole_words() -> None:
    url = "https://apnews.com/article/quake-1"  # the site is "AP"
    og = '<meta property="og:title" content="{}">'
    assert extract_html(_titled(og.format("Quake hits coast | AP News"), "Other"), url=url).title == "Quake hits coast"
    kept = "Quake hits coast - Apple shares fall"  # "Apple" is no "AP" segment
    assert extract_html(_titled(og.format(kept), "Other"), url=url).title == kept


def test_site_name_as_og_title_is_no_headline() -> None:
    head = """<title>Space ship breaks up over Siberia</title>
    <meta property="og:title" content="Example News - Latest News">
    <meta name="application-name" content="Example News - Latest News">"""
    assert extract_html(_titled(head, "Space ship breaks up over Siberia")).title == "Space ship breaks up over Siberia"


def test_extractor_version() -> None:
    assert EXTRACTOR.endswith("newsdex-html 3")


def test_hidden_text_and_link_lists_are_not_body() -> None:
    related = (
        "Five travel-sized hair dryers that stand up to the test",
        "The game-changing oil for dry hair and split ends",
        "More proof that the wavy bob is the cut of the year",
    )
    links = "".join(f"<li><a href='/s/{i}'>{h}</a></li>" for i, h in enumerate(related))
    hidden = (
        "<div style='display: none'><p>Subscribe to read the full story behind the ministry statement today.</p></div>"
        "<div aria-hidden='true'><p>Ad slot text that screen readers and eyes never meet on this page.</p></div>"
        "<div hidden><p>A modal window about cookies that only opens when the reader clicks somewhere.</p></div>"
        "<div hidden='until-found'><p>Collapsed section the browser's find reveals: it is still article text.</p></div>"
    )
    half = len(BODY) // 2  # after the third of six equal paragraphs
    assert BODY[:half].endswith("</p>")
    text = extract_html(
        _page("<title>Talks resume in Geneva</title>", f"{BODY[:half]}<ul>{links}</ul>{BODY[half:]}{hidden}")
    ).text
    assert "Paragraph 0" in text
    assert "Paragraph 5" in text
    assert "wavy bob" not in text
    assert "Subscribe" not in text
    assert "Ad slot" not in text
    assert "modal window" not in text
    assert "Collapsed section" in text


def test_page_chrome_by_role_and_masthead_is_not_body() -> None:
    side = (
        "<div role='complementary'><p>Your horoscope: you feel optimistic and for good reason, an admirer "
        "has been trying to win your heart all week.</p></div>"
    )
    half = len(BODY) // 2
    page = _page("<title>Talks resume in Geneva</title>", f"{BODY[:half]}{side}{BODY[half:]}")
    masthead = "<header><div class='brand'>Example Daily, news from the valley since 1901</div></header>"
    text = extract_html(page.replace("<body>", f"<body>{masthead}")).text
    assert "Paragraph 5" in text
    assert "horoscope" not in text
    assert "Example Daily" not in text


def test_list_with_prose_items_is_body() -> None:
    items = "".join(
        f"<li><a href='/r/{i}'>Report {i}</a> found that the strikes hit homes far from any position.</li>"
        for i in range(4)
    )
    text = extract_html(_page("<title>Talks resume in Geneva</title>", f"<ul>{items}</ul>{BODY}")).text
    assert "Report 3 found that the strikes hit homes" in text


def test_utf8_bytes_with_bom_and_xml_declaration() -> None:
    # UTF-8 bytes are read as UTF-8 whatever the page declares
    head = "<meta charset='iso-8859-1'><title>Caf\u00e9 talks \u2013 day two</title>"
    page = '<?xml version="1.0" encoding="utf-8"?>' + _page(head)
    for data in (page.encode("utf-8"), b"\xef\xbb\xbf" + page.encode("utf-8")):
        art = extract_html(data)
        assert art.title == "Caf\u00e9 talks \u2013 day two"
        assert "Paragraph 5" in art.text
