"""Article text and metadata from a saved news page.

The body comes from trafilatura (options chosen by measurement on the fixture pages, see
``bench/eval_extract.py``) with a fallback when it returns too little; metadata (title,
outlet, date, author, canonical URL, language) comes from the page's own declarations,
read once with lxml, in a fixed precedence. What the page does not declare stays None or
``unknown``: a page that names no date gets no date.
"""

from __future__ import annotations

import codecs
import html as htmllib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Extractor

from extract.boilerplate import _is_credit, _is_promo, _looks_like_caption
from extract.dates import date_from_text, date_from_url, parse_date
from extract.outlets import normalise_outlet, outlet_from_domain, registrable_domain
from newsdex.models import DateInfo

__all__ = ["EXTRACTOR", "HtmlArticle", "extract_html"]

EXTRACTOR = f"trafilatura {trafilatura.__version__} + newsdex-html 3"

# Chosen by measurement over the English fixture pages (bench/eval_extract.py): fast mode
# (no readability/justext fallback inside trafilatura) is as accurate and twice as fast;
# favor_precision and favor_recall both lower body F1; comments are never article text; no
# metadata (ours is read from the same tree); no deduplication, whose cache spans documents.
# Built once: constructing the options per call re-reads trafilatura's configuration.
_MAIN_OPTIONS = Extractor(fast=True, comments=False, tables=True, dedup=False, with_metadata=False)
# Below this many words we try the recall-oriented pass, with readability/justext, and keep the longer text.
_MIN_WORDS = 80
_RECALL_OPTIONS = Extractor(fast=False, recall=True, comments=False, tables=True, dedup=False, with_metadata=False)


@dataclass
class HtmlArticle:
    """What a page says about itself, plus its main text; ``extractor`` names the tool and version."""

    title: str | None
    text: str  # paragraphs joined by "\n\n"
    outlet: str | None
    date: DateInfo = field(default_factory=DateInfo.unknown)
    author: str | None = None
    url: str | None = None  # canonical
    language: str | None = None
    extractor: str = EXTRACTOR


# --- decoding -----------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


def _decode(data: bytes) -> str:
    """Bytes of unknown encoding to text: BOM, then a declared charset, then UTF-8, then cp1252."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff")
    m = _META_CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "ignore").lower() if m else None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            codecs.lookup(declared)
            return data.decode(declared, errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def _source(data: bytes) -> str | bytes:
    """UTF-8 bytes as they are (lxml parses them faster than the decoded text), anything else as text."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(data)
    return data


def _html_parser(encoding: str | None = None) -> etree.HTMLParser:
    """An HTML parser that drops comments and gives every element lxml.html's class without a Python callback.

    lxml.html's own parser picks each element's class in Python, once per element object
    handed to Python; trafilatura's tree walks create about a million of them over the
    fixture pages. Its special form/input classes are of no use here.
    """
    parser = etree.HTMLParser(
        encoding=encoding, remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
    )
    lookup = etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
    parser.set_element_class_lookup(lookup)
    return parser


_TEXT_PARSER = _html_parser()
_UTF8_PARSER = _html_parser("utf-8")


def _parse(html: str | bytes) -> lxml.html.HtmlElement | None:
    """The document tree of text, or of bytes known to be UTF-8; None when there is nothing to parse."""
    if isinstance(html, str):
        # lxml refuses str input that declares an encoding; drop the XML declaration.
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=_UTF8_PARSER if isinstance(html, bytes) else _TEXT_PARSER)
    except (etree.ParserError, ValueError):
        return None


# --- metadata -----------------------------------------------------------------------------


# An entity left in a value after parsing: the page escaped it twice ("B&amp;amp;B", "&amp;#039;").
_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Invisible characters that break matching and say nothing: zero-width space, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff\u00ad"))


def _clean(value: str) -> str:
    """Whitespace collapsed, invisible characters dropped, and entities a CMS escaped twice resolved."""
    for _ in range(2):
        if "&" not in value or not _ENTITY.search(value):
            break
        value = htmllib.unescape(value)
    return " ".join(value.translate(_INVISIBLE).split())


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """<meta> values by lower-cased property/name/itemprop (first occurrence wins)."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        val = el.get("content")
        if key and val and val.strip():
            out.setdefault(key.strip().lower(), _clean(val))
    return out


def _jsonld(tree: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph flattened; malformed blocks are skipped."""
    objs: list[dict[str, Any]] = []
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", el.text.strip()).strip().rstrip(";")
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if isinstance(obj, list):
                stack.extend(obj)
            elif isinstance(obj, dict):
                objs.append(obj)
                if isinstance(obj.get("@graph"), list):
                    stack.extend(obj["@graph"])
    return objs


_ARTICLE_TYPES = re.compile(r"(?:News)?Article|BlogPosting|Report|WebPage|LiveBlogPosting", re.IGNORECASE)


def _ld_article(objs: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON-LD object describing the article (an *Article type first, then anything with a headline)."""

    def kind(o: dict[str, Any]) -> str:
        t = o.get("@type")
        return " ".join(t) if isinstance(t, list) else str(t or "")

    for o in objs:
        if "Article" in kind(o) or "Posting" in kind(o) or "Report" in kind(o):
            return o
    for o in objs:
        if o.get("headline") or o.get("datePublished"):
            return o
    return {}


def _ld_main(objs: list[dict[str, Any]]) -> dict[str, Any]:
    """The article object, with datePublished/headline borrowed from another block when it lacks them."""
    main = dict(_ld_article(objs))
    for key in ("datePublished", "headline", "author", "publisher"):
        if not main.get(key):
            for o in objs:
                if o.get(key) and "Video" not in str(o.get("@type")):
                    main[key] = o[key]
                    break
    return main


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) if names else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip() and not value.strip().startswith("http"):
        return _clean(value)
    return None


def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().translate(_INVISIBLE).split())


# Separators a page puts between headline and site name ("Headline | Site", "Site - Headline").
# The colon is not one: it belongs to headlines ("Analysis: ...").
_SITE_SEPARATOR = re.compile(r"(\s+(?:[|\-–—»·/\\]{1,2})\s+)")
_HIERARCHY_SEPARATOR = re.compile(r"\s[\\/>»]\s")
_WORD = re.compile(r"\w+")


def _extends(longer: str, prefix: str) -> bool:
    """``longer`` is ``prefix`` plus more after a word boundary: "cnn politics", "factorio.com", "bbc中文网" extend
    "cnn", "factorio", "bbc"; "apple" does not extend "ap"."""
    return longer.startswith(prefix) and (
        len(longer) == len(prefix) or not longer[len(prefix)].isascii() or not longer[len(prefix)].isalnum()
    )


def _is_site(segment: str, sites: list[str] | set[str]) -> bool:
    """A title segment naming the site: equal to a known name, or one extending the other ("CNN Politics", "CNN")."""
    s = segment.casefold().strip()
    return bool(s) and any(_extends(s, x) or _extends(x, s) for x in sites if x)


def _strip_site(title: str, site_names: list[str]) -> str:
    """Drop leading/trailing segments that name the site (og:site_name, publisher, domain), keep the headline."""
    parts = _SITE_SEPARATOR.split(title)
    sites = [s.casefold().strip() for s in site_names if s and s.strip()]
    if len(parts) < 3 or not sites:
        return title
    while len(parts) >= 3 and _is_site(parts[-1], sites):
        parts = parts[:-2]
    while len(parts) >= 3 and _is_site(parts[0], sites):
        parts = parts[2:]
    return "".join(parts).strip()


def _repeated_suffixes(titles: list[str]) -> list[str]:
    """The last segment two of the page's titles share while their headlines differ: the site's name.

    og:title "Analysis: Talks stall | Example Politics" and <title> "Talks stall in Geneva | Example
    Politics" name the site even when no og:site_name does. Only a trailing segment shorter than
    both headlines counts, and only when the headlines differ in more than punctuation: titles
    that merely repeat one headline ("Minecraft 1.8 - The Bountiful Update") or share a leading
    segment ("Firefox — Customize …") say nothing about the site.
    """
    split = [p for p in (_SITE_SEPARATOR.split(t) for t in dict.fromkeys(t for t in titles if t)) if len(p) >= 3]
    found: list[str] = []
    for i, a in enumerate(split):
        for b in split[i + 1 :]:
            head_a, head_b = "".join(a[:-2]), "".join(b[:-2])
            words_a, words_b = _WORD.findall(head_a.casefold()), _WORD.findall(head_b.casefold())
            if (
                a[-1].casefold() == b[-1].casefold()
                and words_a != words_b
                and len(a[-1]) < min(len(head_a), len(head_b))
                and a[-1].casefold() not in head_a.casefold() + head_b.casefold()
            ):
                found.append(a[-1])
    return found


def _title_from_tag(tag: str, h1s: list[str]) -> str:
    """<title> without a site segment, by readability's heuristic when the site is not known."""
    cur = tag
    hierarchical = False
    if _SITE_SEPARATOR.search(tag):
        hierarchical = bool(_HIERARCHY_SEPARATOR.search(tag))
        cur = _SITE_SEPARATOR.split(tag)
        cur = "".join(cur[:-2])  # drop the last segment
        if len(cur.split()) < 3:  # too short: the site came first
            cur = "".join(_SITE_SEPARATOR.split(tag)[2:])
    elif (len(tag) > 150 or len(tag) < 15) and len(h1s) == 1:
        cur = h1s[0]
    cur = " ".join(cur.split())
    n = len(cur.split())
    if n <= 4 and (not hierarchical or n != len(re.sub(r"[|\-\\/>»]+", "", tag).split()) - 1):
        cur = tag
    return cur


def _title(tree: lxml.html.HtmlElement, meta: dict[str, str], ld: dict[str, Any], site_names: list[str]) -> str | None:
    """The publisher's declared headline, minus a site-name segment; else <title>, else <h1>.

    Precedence measured on the fixture pages: JSON-LD headline, dc.title, og:title, meta
    title, twitter:title. A declared title is rarely wrong; <title> usually carries the site
    name, which goes when it is known and by readability's heuristic when it is not.
    """
    title_tag = tree.find(".//title")
    tag = _clean(title_tag.text_content()) if title_tag is not None else ""
    ld_title = _ld_name(ld.get("headline")) if ld else None
    ld_name = _ld_name(ld.get("name")) if ld else None
    sites = {x.casefold() for x in site_names if x}
    # Some sites put a description in "headline" and the title in "name"; <title> tells which.
    if (
        ld_name
        and ld_name != ld_title
        and len(ld_name.split()) >= 2
        and ld_name.casefold() not in sites
        and ld_name.casefold() in tag.casefold()
        and (not ld_title or ld_title.casefold() not in tag.casefold())
    ):
        ld_title = ld_name
    declared = [
        ld_title,
        meta.get("dc.title"),
        meta.get("og:title"),
        meta.get("title"),
        meta.get("twitter:title"),
    ]
    # A declared "title" that is only the site's name (a section front's og:title) is no headline.
    declared = [c for c in declared if c and c.casefold() not in sites]
    h1s = [h for h in (_text(h) for h in tree.iter("h1")) if h]
    site_names = [*site_names, *_repeated_suffixes([*declared, tag])]
    sites = {x.casefold().strip() for x in site_names if x and x.strip()}
    if declared:
        title = _strip_site(declared[0], site_names)
    elif tag:
        stripped = _strip_site(tag, site_names)
        title = stripped if stripped != tag else _title_from_tag(tag, h1s)
    else:
        return h1s[0] if h1s else None
    return _shortest_agreed(title, [*declared, *h1s, tag], sites)


# What may follow a headline when a page appends its site or section: a separator, then the rest.
_TRAILING_SEGMENTS = re.compile(r"\s*(?:[|\-–—»·/\\]{1,2})\s*\S")


def _shortest_agreed(title: str, others: list[str], sites: set[str]) -> str:
    """The headline another of the page's own sources confirms when ``title`` only adds segments to it.

    "Headline - Author", "Headline » Section » Site" and "Headline-Site" lose their tail when
    og:title, twitter:title, an <h1> or <title> states exactly "Headline". So that a site name or
    a section label in an <h1> never replaces a headline, the kept part must be longer than what
    goes, or a headline of four words or more at least half its length ("Headline - Jane Doe and
    John Roe"), or what goes must name the site ("Headline - Site - Section").
    """
    best = title
    for cand in others:
        cand = " ".join((cand or "").split())
        rest = best[len(cand) :]
        if (
            cand
            and len(cand) < len(best)
            and cand.casefold() not in sites
            and best.casefold().startswith(cand.casefold())
            and _TRAILING_SEGMENTS.match(rest)
            and (
                len(cand) > len(rest)
                or (len(cand.split()) >= 4 and 2 * len(cand) >= len(rest))
                or any(_is_site(seg, sites) for seg in _SITE_SEPARATOR.split(rest)[2::2])
            )
        ):
            best = cand
    return best


_DATE_META_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "published_time", "published-date",
    "date", "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.date", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "cxenseparse:recs:publishtime", "article.published", "original-publish-date",
    "citation_publication_date", "article_date_original", "ptime", "pub_date", "displaydate", "dc.date.created",
)  # fmt: skip


# Elements reached through their attribute nodes: 2.5-3 times faster than //*[@a = "v"] on the fixture pages.
_DATE_PUBLISHED = etree.XPath("//@itemprop[. = 'datePublished']/..")
_AUTHOR_ELEMENTS = etree.XPath("//@rel[. = 'author']/.. | //@itemprop[. = 'author']/..")


def _date(tree: lxml.html.HtmlElement, meta: dict[str, str], ld: dict[str, Any], url: str | None) -> DateInfo:
    """Publication date by precedence: JSON-LD, meta tags, itemprop, <time>, URL path.

    The text's dateline is tried by the caller, last, once the body is known.
    """
    d = parse_date(str(ld.get("datePublished") or "")) if ld else None
    if d:
        return DateInfo(d, "published", "html:jsonld:datePublished")
    for key in _DATE_META_KEYS:
        d = parse_date(meta.get(key, ""))
        if d:
            return DateInfo(d, "published", f"html:meta:{key}")
    for el in _DATE_PUBLISHED(tree):
        d = parse_date(el.get("content") or el.get("datetime") or _text(el))
        if d:
            return DateInfo(d, "published", "html:itemprop")
    for el in tree.iter("time"):
        for val in (el.get("datetime"), el.get("content"), _text(el)):
            d = parse_date(val or "")
            if d:
                return DateInfo(d, "published", "html:time")
    d = date_from_url(url)
    if d:
        return DateInfo(d, "published", "html:url")
    d = parse_date(str(ld.get("dateCreated") or "")) if ld else None
    if d:  # creation of the record, usually the same day; only when nothing says "published"
        return DateInfo(d, "published", "html:jsonld:dateCreated")
    return DateInfo.unknown()


def _author(tree: lxml.html.HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> str | None:
    name = _ld_name(ld.get("author")) if ld else None
    if name:
        return name
    for key in ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author"):
        val = meta.get(key)
        if val and not val.startswith("http"):
            return re.sub(r"^by\s+", "", val, flags=re.IGNORECASE)
    for el in _AUTHOR_ELEMENTS(tree):
        val = el.get("content") or _text(el)
        if val and len(val.split()) <= 6:
            return re.sub(r"^by\s+", "", val, flags=re.IGNORECASE)
    return None


def _canonical(tree: lxml.html.HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    for el in tree.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and (el.get("href") or "").startswith("http"):
            return el.get("href").strip()
    og = meta.get("og:url")
    if og and og.startswith("http"):
        return og
    return url


def _language(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    lang = tree.get("lang") or tree.get("xml:lang") or meta.get("content-language") or meta.get("og:locale")
    if not lang:
        return None
    lang = lang.strip().replace("_", "-").split(",")[0]
    return lang.lower() if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", lang) else None


def _outlet(meta: dict[str, str], ld: dict[str, Any], url: str | None) -> str | None:
    for name in (meta.get("og:site_name"), _ld_name(ld.get("publisher")) if ld else None, meta.get("application-name")):
        if name:
            return normalise_outlet(name)
    if url:
        known = outlet_from_domain(url)
        if known:
            return normalise_outlet(known) if known != registrable_domain(url) else known
    return None


# --- body ---------------------------------------------------------------------------------


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").split("\n") if p.strip()]


def _drop_furniture(paras: list[str]) -> list[str]:
    """Lines inside the extracted body that are still page furniture (captions, credits, promos)."""
    return [p for p in paras if not (_is_credit(p) or _is_promo(p) or _looks_like_caption(p))]


# Never article text; removing them before trafilatura roughly halves its pruning work.
_NEVER_TEXT = ("script", "style", "noscript", "svg", "template", "iframe", "object", "embed", "canvas", "select")
# Elements trafilatura's own cleaning deletes on its main path anyway (its MANUALLY_CLEANED list, less
# <form>, which some sites wrap the whole page in, and <math>, whose formulas it salvages). Deleting
# them first, with <head> once the metadata is read, shrinks the tree it copies and walks: about 8 %
# faster over the fixture pages, body F1 unchanged.
_CLEANED_ANYWAY = (
    "aside", "footer", "nav", "menu", "button", "input", "textarea", "label", "fieldset", "link", "option",
    "datalist", "dialog", "audio", "video", "picture", "map", "figure",
)  # fmt: skip
# Page parts that are not the article, deleted (with link lists, see _is_link_list) before
# trafilatura copies and walks the tree several times: over the fixture pages 18 % less time and
# body F1 0.9809 -> 0.9815 (fewer "related" links and hidden widgets in the text).
#
# What a reader never sees: the hidden attribute (not hidden="until-found", text the browser's
# find reveals), aria-hidden and inline display:none. Trafilatura drops most of it only inside the
# part of the page it settles on, after walking all of it.
_HIDDEN = etree.XPath(
    "//@hidden[. != 'until-found']/.. | //@aria-hidden[. = 'true']/.."
    " | //@style[contains(translate(., ' ', ''), 'display:none')]/.."
)
# The page's own header, outside the article and holding no <h1>: the site's masthead (logo, menus, search).
_MASTHEAD = etree.XPath("//header[not(ancestor::article or ancestor::main) and not(.//h1)]")
# ARIA roles of the parts deleted above by their tag: nav, aside, page header and footer, search, menus, dialogs.
_CHROME_ROLES = (
    "navigation", "complementary", "banner", "contentinfo", "search", "menu", "menubar", "dialog", "toolbar",
)  # fmt: skip
_CHROME = etree.XPath(f"//@role[{' or '.join(f'. = {r!r}' for r in _CHROME_ROLES)}]/..")
_DROP = "newsdex-drop"


def _is_link_list(el: lxml.html.HtmlElement) -> bool:
    """A list of three or more items that are each one short link: menus, "related" and "most read" boxes.

    Short: under 100 characters (whitespace aside), at least 90 % of them link text (a source or
    time label may follow). Items of a list in the article's prose are longer or not links.
    """
    if len(el) < 3:
        return False
    for item in el:
        if item.tag != "li":
            return False
        chars = len("".join(item.text_content().split()))
        if not chars or chars >= 100:
            return False
        linked = len("".join("".join([a.text_content() for a in item.iter("a")]).split()))
        if linked < 0.9 * chars:
            return False
    return True


def _prune(tree: lxml.html.HtmlElement, tags: tuple[str, ...]) -> None:
    """Delete ``tags``, <head>, link lists, hidden elements, the masthead and other page chrome.

    Each goes with its content, not its tail (the text that follows it).
    """
    etree.strip_elements(tree, *tags, with_tail=False)
    for head in tree.findall("head"):
        tree.remove(head)
    links = [e for e in tree.iter("ul", "ol") if _is_link_list(e)]
    for el in [*links, *_HIDDEN(tree), *_MASTHEAD(tree), *_CHROME(tree)]:
        el.tag = _DROP
    etree.strip_elements(tree, _DROP, with_tail=False)


def _body(html: str | bytes, tree: lxml.html.HtmlElement) -> list[str]:
    _prune(tree, (*_NEVER_TEXT, *_CLEANED_ANYWAY))
    main = _paragraphs(trafilatura.extract(tree, options=_MAIN_OPTIONS))  # works on a copy of the tree
    if sum(len(p.split()) for p in main) < _MIN_WORDS:
        # on the page as it came, less what is never text: some sites put the article in a <footer>
        full = _parse(html)
        if full is not None:
            _prune(full, _NEVER_TEXT)
            alt = _paragraphs(trafilatura.extract(full, options=_RECALL_OPTIONS))
            if sum(len(p.split()) for p in alt) > sum(len(p.split()) for p in main):
                main = alt
    return _drop_furniture(main)


def extract_html(html: str | bytes, url: str | None = None) -> HtmlArticle:
    """Main text and metadata of one saved page; raises ValueError when the page holds no article text."""
    if isinstance(html, bytes):
        html = _source(html)
    if not isinstance(html, (str, bytes)):
        raise ValueError(f"extract_html needs str or bytes, got {type(html).__name__}")
    tree = _parse(html)
    if tree is None:
        raise ValueError("empty or unparseable HTML: no document to extract from")
    meta = _meta(tree)
    ld = _ld_main(_jsonld(tree))
    canonical = _canonical(tree, meta, url)
    outlet = _outlet(meta, ld, canonical or url)
    site_names = [meta.get("og:site_name", ""), meta.get("application-name", ""), outlet or ""]
    if ld:
        site_names.append(_ld_name(ld.get("publisher")) or "")
    if canonical or url:
        domain = registrable_domain(canonical or url or "") or ""
        site_names += [domain, domain.split(".")[0]]
    title = _title(tree, meta, ld, site_names)
    author = _author(tree, meta, ld)
    language = _language(tree, meta)
    date = _date(tree, meta, ld, canonical or url)
    headings = {" ".join(_text(h).split()).casefold() for h in tree.iter("h1")} | {(title or "").casefold()}
    paras = _body(html, tree)  # prunes the tree: metadata first
    if len(paras) > 1 and paras[0].casefold() in headings:
        paras = paras[1:]  # the headline is the title, not the first body paragraph
    if not paras:
        raise ValueError("no article text found in the page (trafilatura and its recall fallback returned nothing)")
    text = "\n\n".join(paras)
    if date.provenance == "unknown":
        dateline = date_from_text(text)
        if dateline.provenance == "published":
            date = DateInfo(dateline.value, "published", "html:text-dateline")
    return HtmlArticle(
        title=title, text=text, outlet=outlet, date=date, author=author, url=canonical, language=language
    )
