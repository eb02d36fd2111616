"""Separate an article's own lines from page furniture in plain text.

Saved news text (copied from a page, or a dataset column) still carries what the page
wrapped around the story: breadcrumbs, photo captions and agency credits, share and promo
lines, an outlet's own addresses, stray widget labels. No library classifies *lines* of
plain text, so this module does it with rules on wording patterns, position, length and
punctuation, and keeps headline, standfirst and subheads as structure.

Two entry points:

* :func:`clean_plain_text` for text that still has its line breaks (one paragraph a line);
* :func:`strip_inline_leftovers` for text that lost them (FA-KES-like dataset columns),
  where only anchored fragments at the start and end, and known teaser phrases, can be cut.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["CleanText", "clean_plain_text", "strip_inline_leftovers"]


@dataclass
class CleanText:
    """The article's structure recovered from plain text, plus what was dropped and why it matters."""

    title: str | None  # headline if the text carries one
    dek: str | None  # standfirst
    paragraphs: list[str]  # body paragraphs in order, subheads included as their own paragraphs
    subheads: list[str]
    removed: list[str] = field(default_factory=list)  # lines dropped as boilerplate (for reporting)

    @property
    def text(self) -> str:
        """Body as the document store keeps it: paragraphs separated by a blank line."""
        return "\n\n".join(self.paragraphs)


# --- vocabulary ---------------------------------------------------------------------------

# Photo and wire agencies that appear as credits under pictures. A credit line is one of
# these alone (optionally "Photo: X", "X/Getty Images", "X via Y"); the list is about
# credits, not outlets, so a story *by* Reuters is untouched unless the line is only that.
_AGENCIES = (
    r"AFP|AP|Reuters|EPA|EPA-EFE|EFE|Getty(?: Images)?|Anadolu(?: Agency)?|AA|SANA|Xinhua|TASS|Sputnik|RIA Novosti"
    r"|Shutterstock|Alamy|IRNA|ANHA|UPI|DPA|ANSA|Pool|File|Handout|Courtesy|Twitter|Facebook|YouTube|Screenshot"
    r"|[A-Z][A-Za-z.'-]+ [A-Z][A-Za-z.'-]+(?= ?/ ?(?:AFP|AP|Reuters|EPA|Getty))"
)
_CREDIT_LINE = re.compile(
    rf"^(?:(?:photo|image|picture|photograph|credit|video|source)s?(?: credit)?\s*[:|/-]?\s*)?"
    rf"\(?(?:{_AGENCIES})(?:\s*(?:/|\||,|via|and|&)\s*(?:{_AGENCIES}|[A-Z][\w.'-]+(?: [A-Z][\w.'-]+)?))*\)?\.?$",
    re.IGNORECASE,
)
# A caption ends with its credit in brackets: "(Photo via AP)", "(AP Photo/Hassan Ammar)", "(Reuters)".
_TRAILING_CREDIT = re.compile(
    rf"\((?:(?:photo|image|picture|file photo|photograph)\s*(?:by|via|:|/|credit:?)?\s*[^()]{{0,60}}"
    rf"|(?:{_AGENCIES})(?:\s*(?:photo|/)[^()]{{0,60}})?)\)\s*$",
    re.IGNORECASE,
)
# Openings that only captions use.
_CAPTION_START = re.compile(
    r"^(?:(?:in )?(?:this|these|a|the) (?:file |undated |handout )?(?:photo|image|picture|photograph|video grab|"
    r"frame grab|still)s?\b|(?:a )?(?:file )?(?:picture|photo|image) (?:taken|shows|released|provided|dated)\b|"
    r"(?:photo|image|picture|photograph|pictured|caption)\s*:|file photo\b)",
    re.IGNORECASE,
)
# Caption verbs in the present tense ("... are seen in the town of ...").
_CAPTION_VERB = re.compile(
    r"\b(?:is|are) (?:seen|pictured|shown)\b|\bgestures?\b|\bpictured\b|\bposes?\b|\bpicture taken\b|\bphoto taken\b",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    r"\b(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}"
    r"|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{4})\b"
)

# Lines that are a site's calls to action rather than reporting.
_PROMO_PREFIX = re.compile(
    r"^(?:read (?:more|also|next|this)|also read|see also|related(?: articles?| stories| news| coverage)?|"
    r"more on this(?: story)?|recommended|watch(?: more)?|listen|most read|trending|click here|don'?t miss|"
    r"you may (?:also )?like|further reading|more from)\b\s*[:|>»-]",
    re.IGNORECASE,
)
_PROMO_LINE = re.compile(
    r"^(?:share(?: (?:this|the) (?:article|story|page|post))?(?: on \w+)?|tweet|email|print|comments?|"
    r"leave a (?:comment|reply)|post a comment|add (?:a )?comment|\d+ comments?|show comments|"
    r"advertisement|sponsored(?: content)?|subscribe(?: now| to \w.*)?|sign up(?: for\b.*)?|"
    r"follow us(?: on\b.*)?|like us on\b.*|join us on\b.*|download (?:our|the) app\b.*|"
    r"read more|read also|more|next|previous|back to top|top of page|related|tags?|"
    r"(?:all )?rights reserved\.?|copyright\b.*|©.*|newsletter\b.*|get (?:the|our) newsletter\b.*|"
    r"report an? (?:error|typo)|skip to (?:main )?content|loading\.*|close|menu|search)[.!:]*$",
    re.IGNORECASE,
)
# App and platform names: a short line that mentions one is a "get us on ..." promo.
_PLATFORMS = re.compile(
    r"\b(?:Roku|App Store|Google Play|Apple TV|Android TV|Amazon Fire|Telegram|WhatsApp|Instagram|Podcasts?)\b"
)
_OWN_ADDRESS = re.compile(
    r"\b(?:can (?:also )?be accessed at|alternate (?:web )?address(?:es)?|mirror sites?|"
    r"our (?:new )?(?:website|site) (?:is|at)|visit (?:our|us at) (?:website|www))",
    re.IGNORECASE,
)
_BARE_ADDRESS = re.compile(
    r"^(?:https?://\S+|www\.[\w.-]+(?:/\S*)?|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|ir|ru|uk|info|tv|news|me)(?:/\S*)?)$",
    re.IGNORECASE,
)
# "News / Russia", "Home > World > Middle East": short segments joined by separators.
_BREADCRUMB = re.compile(r"^[\w&'’. -]{1,30}(?:\s+[/>»›|]\s+[\w&'’. -]{1,30}){1,5}$")
_SENTENCE_SPLIT = re.compile(r"(?<=[a-z0-9)\"”’][.!?])\s+(?=[A-Z“\"‘'])")
_QUOTE_CHARS = '“”"«»'

_MAX_TITLE_WORDS = 25
_MAX_DEK_WORDS = 40
_MAX_SUBHEAD_WORDS = 12
_MAX_LABEL_WORDS = 6


def _collapse_spaces(line: str) -> str:
    """``" ".join(line.split())``, skipping the split for lines that already have single spaces only.

    Every white-space character except the space is non-printable, so such a line is printable.
    """
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def _norm(line: str) -> str:
    """Comparable form: unicode-normalised, no-break spaces unified, whitespace collapsed."""
    # Line by line, so that lines which already have single spaces skip the split (see _collapse_spaces).
    return " ".join(filter(None, map(_collapse_spaces, unicodedata.normalize("NFKC", line).split("\n"))))


def _words(line: str) -> int:
    return len(line.split())


_CLOSERS = "\"'”’)]"


def _is_sentence(line: str) -> bool:
    r"""Ends like prose: full stop, question or exclamation mark (possibly inside a closing quote).

    The test ``re.search(r"[.!?…][\"'”’)\]]*$", line)``, made from the end of the line, not at every offset.
    """
    if line.endswith("\n"):  # "$" also matches before a final newline
        line = line[:-1]
    return line.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…")


def _sentence_count(line: str) -> int:
    return len(_SENTENCE_SPLIT.split(line))


def _is_credit(line: str) -> bool:
    return _words(line) <= _MAX_LABEL_WORDS and bool(_CREDIT_LINE.match(line))


def _looks_like_caption(line: str) -> bool:
    """Wording that only a picture caption uses (needs no neighbour to decide)."""
    return bool(_CAPTION_START.match(line) or _TRAILING_CREDIT.search(line))


def _caption_like(line: str) -> bool:
    """Weaker signal, trusted only next to a credit line: one quote-free sentence that dates or describes a scene."""
    if any(q in line for q in _QUOTE_CHARS) or _sentence_count(line) > 2:
        return False
    return bool(_FULL_DATE.search(line) or _CAPTION_VERB.search(line))


# re.IGNORECASE matches "İ" and "ı" to "i", which case folding leaves apart (it does take "ſ" for "s").
_IGNORECASE_EXTRAS = str.maketrans({"\u0130": "i", "\u0131": "i"})


# Every _OWN_ADDRESS match contains one of these (lower-cased): a substring test is far cheaper than a search.
_OWN_ADDRESS_NEEDLES = (
    "be accessed at",
    "alternate ",
    "mirror site",
    "site is",
    "site at",
    "visit our ",
    "visit us at ",
)
_BREADCRUMB_SEPARATORS = ("/", ">", "»", "›", "|")


def _may_name_address(text: str, folded: str | None = None) -> bool:
    """False when ``text`` cannot hold an _OWN_ADDRESS match; ``folded`` is ``text.casefold()`` if known.

    Case folding turns every character that re.IGNORECASE matches to an ASCII letter into that
    letter, except "İ" and "ı", so the needles show in the folded text wherever the pattern can match.
    """
    if "\u0130" in text or "\u0131" in text:
        folded = text.translate(_IGNORECASE_EXTRAS).casefold()
    elif folded is None:
        folded = text.casefold()
    return any(needle in folded for needle in _OWN_ADDRESS_NEEDLES)


def _is_promo(line: str) -> bool:
    return _promo(line, _words(line), _is_sentence(line), _may_name_address(line))


def _promo(line: str, words: int, sentence: bool, may_name_address: bool) -> bool:
    """:func:`_is_promo` given facts about the line that the caller may know already."""
    if _PROMO_PREFIX.match(line) or _PROMO_LINE.match(line):
        return True
    if may_name_address and _OWN_ADDRESS.search(line):
        return True
    if " " not in line and _BARE_ADDRESS.match(line):  # no alternative of the pattern matches a space
        return True
    if not sentence and any(sep in line for sep in _BREADCRUMB_SEPARATORS) and _BREADCRUMB.match(line):
        return True
    return words <= _MAX_LABEL_WORDS and not sentence and bool(_PLATFORMS.search(line))


def _is_heading(line: str, max_words: int) -> bool:
    return _heading(line, _words(line), _is_sentence(line), max_words)


def _heading(line: str, words: int, sentence: bool, max_words: int) -> bool:
    """Short, capitalised, not ending like a sentence: a headline or a subhead."""
    if words > max_words or sentence or line.endswith((":", ",", ";")):
        return False
    first = line.lstrip("‘'“\"([")[:1]
    return bool(first) and (first.isupper() or first.isdigit())


def clean_plain_text(raw: str) -> CleanText:
    """Classify each line of ``raw`` as title, dek, subhead, body or boilerplate.

    Rules, in order (each one generic, none keyed on a particular outlet's strings):

    1. pattern boilerplate: breadcrumbs, credit lines ("AFP"), captions by their wording
       ("This photo provided by …", "… (Photo via AP)"), share/promo/teaser lines
       ("READ MORE: …"), an outlet's alternate addresses and bare URLs;
    2. captions by position: a quote-free sentence carrying a full date or a caption verb
       next to a credit line;
    3. repeats: a line that occurs twice is a caption or pull quote shown twice; all copies
       go (a long multi-sentence paragraph keeps its first copy, as a scraping duplicate);
    4. the trailing run: short non-sentences after the last body paragraph are widget labels;
    5. structure: a short non-sentence before any body line is the title, the single
       sentence directly after the title is the dek, a short non-sentence followed by body
       is a subhead.
    """
    # NFKC never joins or produces line breaks, so the whole text is normalised at once, then each line.
    text = unicodedata.normalize("NFKC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    items = [line for line in map(_collapse_spaces, text.split("\n")) if line]
    n = len(items)
    # Per-line facts the rules below ask for again and again. Lines are normalised: one space between words.
    words = [line.count(" ") + 1 for line in items]
    sentence = [_is_sentence(line) for line in items]
    credit = [words[i] <= _MAX_LABEL_WORDS and bool(_CREDIT_LINE.match(line)) for i, line in enumerate(items)]
    # Case-folded in one call (no character folds to or from a line break): the keys under which
    # repeated lines meet below, and the address pre-check (if it fails, no line needs the test).
    joined = "\n".join(items)
    folded = joined.casefold()
    address = _may_name_address(joined, folded)
    boiler = [
        credit[i]
        or _looks_like_caption(line)
        or _promo(line, words[i], sentence[i], address and _may_name_address(line))
        for i, line in enumerate(items)
    ]

    for i in range(n):
        if not credit[i]:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < n and not boiler[j] and _caption_like(items[j]):
                boiler[j] = True

    seen: dict[str, list[int]] = {}
    for i, key in enumerate(folded.split("\n")):
        seen.setdefault(key, []).append(i)
    for idxs in seen.values():
        if len(idxs) < 2:
            continue
        long_para = _sentence_count(items[idxs[0]]) > 2 and words[idxs[0]] > 60
        for k in idxs[1:] if long_para else idxs:
            if boiler[k] or _caption_like(items[k]) or words[k] <= _MAX_DEK_WORDS or not long_para:
                boiler[k] = True

    # A bare address after an "alternate addresses" line, and everything short after the last
    # real paragraph, belongs to the page footer.
    last_body = max((i for i in range(n) if not boiler[i] and sentence[i]), default=-1)
    for i in range(last_body + 1, n):
        if not sentence[i] and words[i] <= _MAX_SUBHEAD_WORDS:
            boiler[i] = True

    title: str | None = None
    dek: str | None = None
    paragraphs: list[str] = []
    subheads: list[str] = []
    kept = [i for i in range(n) if not boiler[i]]
    start = 0
    first = kept[0] if kept else -1
    if kept and _heading(items[first], words[first], sentence[first], _MAX_TITLE_WORDS) and len(kept) > 1:
        title = items[first]
        start = 1
        nxt = kept[1]
        # The dek sits directly under the headline: nothing dropped between them.
        if (
            nxt == first + 1
            and sentence[nxt]
            and _sentence_count(items[nxt]) == 1
            and words[nxt] <= _MAX_DEK_WORDS
            and len(kept) > 2
        ):
            dek = items[nxt]
            start = 2
    for pos in range(start, len(kept)):
        i = kept[pos]
        followed_by_body = pos + 1 < len(kept) and sentence[kept[pos + 1]]
        if followed_by_body and _heading(items[i], words[i], sentence[i], _MAX_SUBHEAD_WORDS):
            subheads.append(items[i])
        paragraphs.append(items[i])
    removed = [items[i] for i in range(n) if boiler[i]]
    return CleanText(title=title, dek=dek, paragraphs=paragraphs, subheads=subheads, removed=removed)


# --- text that lost its line breaks -------------------------------------------------------

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAYS = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?"
# A dateline opening the text: "Wed 05 Apr 2017", "Thu Jul 7 2016", "23-04-2016", "01.10.2017Get short URL 0 13",
# "Date of publication 7 July 2016", "Published February 18 2015", "Monday 15 February 2016",
# "AFP Saturday 21 Jun 2014".
_LEAD_DATELINE = re.compile(
    rf"^\s*(?:(?:AFP|AP|Reuters|EFE)\s+)?(?:(?:Date of publication|Published|Updated|Last updated)\s*:?\s*)?"
    rf"(?:{_WEEKDAYS}\s+)?"
    rf"(?:\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}[-./]\d{{1,2}}[-./]\d{{2,4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"(?:\s*(?:at\s*)?\d{{1,2}}:?\d{{2}}(?:\s*(?:GMT|UTC|[AP]M))?)?"
    rf"(?:\s*(?:Get short URL)(?:\s+\d+){{0,4}})?[\s.:|-]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Inline:
    """A pattern for inline leftovers and the lower-cased words it cannot match without."""

    needles: tuple[str, ...]
    pattern: re.Pattern[str]
    ends: tuple[str, ...] = ()  # if given, every match ends the text with one of these (white space aside)
    # If given, every match is white space and then this text: the search starts at the first one, not at 0.
    anchor: str = ""


# Teasers and widgets that a page inlines into the story text, each after the lowercased words it
# cannot match without: a substring test is ~100× cheaper than a regex trying every position of a text.
_INLINE_PATTERNS: list[_Inline] = [
    # "Read more here Syrian miracle baby saver killed in Aleppo" - a linked headline (Title Case run).
    _Inline(
        ("read more",),
        re.compile(
            r"\s*\bRead more(?: here| on [A-Z][\w ]{0,40}? here)?\b(?:\s*:)?(?:\s+[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,14})?"
            r"(?=\s+(?:(?:The|A|An|In|On|At|He|She|It|They|We|But|And)\s|[\"“]))"
        ),
        anchor="Read more",
    ),
    _Inline(("read more", "read also"), re.compile(r"\s*\bRead (?:more|also)\s*:?\s*$", re.IGNORECASE)),
    _Inline(
        ("community standards",),
        re.compile(r"\s*(?:\.\.\.\s*)?(?:\d+\s+)*Tags\b.{0,200}?Community standards.*$", re.DOTALL),
    ),
    _Inline(
        ("comment via facebook",),
        re.compile(r"\s*(?:Community standards)?Discussion\s*Comment via Facebook.*$", re.DOTALL),
    ),
    _Inline(
        ("comment via ",),
        re.compile(r"\s*\bComment via (?:Facebook|Sputnik News|Twitter).*$", re.DOTALL),
        anchor="Comment via ",
    ),
    _Inline(
        ("like follow",), re.compile(r"\s*\bSUBSCRIBE\b.{0,400}?\bLike Follow\b.*$", re.DOTALL), anchor="SUBSCRIBE"
    ),
    _Inline(("like follow",), re.compile(r"\s*\bLike Follow\b.*$", re.DOTALL), anchor="Like Follow"),
    _Inline(("copyright",), re.compile(r"\s*\bCopyright\s*(?:©\s*)?\d{4}\b.*$", re.DOTALL), anchor="Copyright"),
    _Inline(
        ("and agencies",),
        re.compile(r"\s*\(?\bSource\s*:?\s*[\w .'’-]{2,60}?\band agencies\)?\.?\s*$"),
        ends=("and agencies", "and agencies.", "and agencies)", "and agencies)."),
    ),
    _Inline(
        ("(source:",),
        re.compile(r"\s*\(Source:\s*[^()]{2,80}\)\s*(?:Twitter|Facebook)?\s*$"),
        anchor="(Source:",
    ),
    _Inline(
        ("our standards",),
        re.compile(r"\s*\bOur Standards\s*:\s*The Thomson Reuters Trust Principles\.?\s*$"),
        ends=("Trust Principles", "Trust Principles."),
        anchor="Our Standards",
    ),
    _Inline(
        ("english bulletin", "twitter", "facebook"),
        re.compile(r"(?<=[.!?)\"”])\s*(?:English bulletin|Twitter|Facebook)\s*$"),
        ends=("English bulletin", "Twitter", "Facebook"),
    ),
]


def _strip_repeated_title(text: str, title: str) -> tuple[str, str | None]:
    """Drop the title when the text opens with it (the page put its headline into the body)."""
    t = _norm(title).rstrip(". ")
    if len(t) < 12:
        return text, None
    head = text.lstrip()
    folded = t.casefold()
    # Case folding never shortens a character, so the head's first len(folded) characters decide.
    if head[: len(folded)].casefold().startswith(folded):
        rest = head[len(t) :]
        if not rest or rest[0] in " .:-|\n":
            return rest.lstrip(" .:-|\n"), head[: len(t)]
    return text, None


def strip_inline_leftovers(text: str, title: str | None = None) -> tuple[str, list[str]]:
    """Cut page furniture that survives inside paragraphs; return (clean text, removed fragments).

    Only anchored material is cut: a dateline at the very start, the title repeated at the
    start, teaser phrases ("Read more here <linked headline>"), social widgets and credits
    at the very end (of the text, or of a paragraph when the text has them: paragraphs are
    separated by a blank line, as :func:`clean_plain_text` writes them, and stay so).
    Anything that could be body text is left in place.
    """
    removed: list[str] = []
    paragraphs = [_norm(paragraph) for paragraph in (text.split("\n\n") if "\n\n" in text else [text])]
    lowered = "\n".join(paragraphs).lower()
    rules = [rule for rule in _INLINE_PATTERNS if any(needle in lowered for needle in rule.needles)]
    kept = []
    for number, paragraph in enumerate(paragraphs):
        if out := _strip_paragraph(paragraph, title if number == 0 else None, number == 0, rules, removed):
            kept.append(out)
    return "\n\n".join(kept), removed


def _strip_paragraph(out: str, title: str | None, first: bool, rules: list[_Inline], removed: list[str]) -> str:
    """One paragraph of :func:`strip_inline_leftovers` (the first with the start's rules), trying only
    ``rules``: those whose needles the whole text holds."""
    for _ in range(2 if first else 0):  # dateline and title can come in either order
        m = _LEAD_DATELINE.match(out)
        if m and m.end() > 0 and re.search(r"\d", m.group(0)):
            removed.append(m.group(0).strip())
            out = out[m.end() :]
        if title:
            out, cut = _strip_repeated_title(out, title)
            if cut:
                removed.append(cut)
    changed = bool(rules)
    while changed:
        changed = False
        lowered = out.lower()
        for rule in rules:
            if not any(needle in lowered for needle in rule.needles):
                continue
            if rule.ends and not out.rstrip().endswith(rule.ends):
                continue
            start = 0
            if rule.anchor:
                at = out.find(rule.anchor)
                if at < 0:
                    continue
                start = len(out[:at].rstrip())  # the white space before the anchor may open the match
            m = rule.pattern.search(out, start)
            if m and m.group(0).strip():
                removed.append(m.group(0).strip())
                out = " ".join((out[: m.start()] + " " + out[m.end() :]).split())
                changed = True
    return out.strip()
