"""Publication dates from article text and from metadata values, with provenance.

An analyst filters by date, so a wrong date is worse than none: this module only returns
what the source states (``published``) or what follows from it by a stated rule
(``inferred``), and says ``unknown`` otherwise. It never takes a year from the clock.

Rules of :func:`date_from_text`, in order:

1. A dateline, i.e. a full date in the first 100 characters of the text ("Wed 05 Apr 2017 …",
   "Published October 3 2016", "WASHINGTON, Sept. 25, 2017 —"), is the publication date:
   ``published``, source ``text:dateline``.
2. Otherwise full dates in the body describe *events* (a caption's "on September 25,
   2017", a "since March 16, 2016"). A news story reports events that already happened, so
   the latest explicit full date is a **lower bound** of publication. Dates in sentences
   about the future ("will meet on …", "scheduled for …") are not events and are skipped.
   If the text also names weekdays ("said on Thursday"), each resolves to the first such day
   on or after that bound and the latest of them is the estimate (source
   ``text:latest-date+weekday``); otherwise the bound itself is returned (source
   ``text:latest-date``). Both are ``inferred``.
3. With no full date, weekdays resolve only against a caller-given ``reference`` date (a
   dataset column, a crawl day): each to its last occurrence on or before the reference, the
   latest one wins, ``inferred``, source ``reference+weekday``.
4. Otherwise ``unknown``. Month-and-day without a year ("September 18") is never completed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from newsdex.models import DateInfo

__all__ = ["date_from_text", "date_from_url", "find_full_dates", "parse_date"]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_MON = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"  # noqa: E501
_MON2 = _MON.replace("?P<mon>", "?P<mon2>")
_FULL_DATE = re.compile(
    rf"\b(?:{_MON}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON2},?\s+(?P<y2>\d{{4}})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))\b",
    re.IGNORECASE,
)
# Day-first numeric dates are only trusted in a dateline ("23-04-2016", "01.10.2017").
_NUMERIC_DMY = re.compile(r"\b(?P<d>\d{1,2})[-.](?P<m>\d{1,2})[-.](?P<y>\d{4})\b")
# A weekday that is not part of a full date ("Tuesday, 25 September 2017" is handled as a date).
_WEEKDAY_MENTION = re.compile(
    r"\b(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"(?!,?\s*(?:\d|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))"
)
_FUTURE_CUE = re.compile(
    r"\b(?:will|would|shall|is due|are due|due to|scheduled|expected to|plans? to|planned|next|upcoming"
    r"|until|deadline)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+")
# As \d{4}; spelt out, the pattern starts with a character class, which lets the engine skip to digits.
_FOUR_DIGITS = re.compile(r"\d\d\d\d")
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|[-_.]|$)")
_DATELINE_WINDOW = 100


def _mk(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _match_date(m: re.Match[str]) -> dt.date | None:
    if m.group("iy"):
        return _mk(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    mon = (m.group("mon") or m.group("mon2") or "")[:3].lower()
    day = m.group("d1") or m.group("d2")
    year = m.group("y1") or m.group("y2")
    return _mk(int(year), _MONTHS[mon], int(day))


def find_full_dates(text: str) -> list[tuple[int, dt.date]]:
    """Every explicit day-month-year date in ``text`` with its offset (for callers that weigh position)."""
    out = []
    for m in _FULL_DATE.finditer(text):
        d = _match_date(m)
        if d is not None:
            out.append((m.start(), d))
    return out


# A date the prose is talking about ("near debris on September 25, 2017") is not a dateline.
_IN_PROSE = re.compile(r"\b(?:on|in|since|from|until|till|by|of|before|after|between|and|to|at|during)\s*,?\s*$", re.I)

_PUBLISHED_CUE = re.compile(r"\b(?:posted|published|updated|dated|released)\s+on\s*$", re.I)


def _dateline(text: str) -> dt.date | None:
    head = text.lstrip()[:_DATELINE_WINDOW]
    candidates = [(m.start(), m.end(), _match_date(m)) for m in _FULL_DATE.finditer(head)]
    candidates += [
        (m.start(), m.end(), _mk(int(m.group("y")), int(m.group("m")), int(m.group("d"))))
        for m in _NUMERIC_DMY.finditer(head)
    ]
    for start, end, d in sorted(candidates, key=lambda c: c[0]):
        before = head[:start]
        if d is None or (head[end : end + 1] == "." and not _PUBLISHED_CUE.search(before)):
            continue  # a sentence ending on a date is prose about an event
        if not _IN_PROSE.search(before) or _PUBLISHED_CUE.search(before):
            return d
    return None


def _year_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that hold a four-digit number, in order.

    A sentence is a piece of ``re.finditer(r"[^.!?]*(?:[.!?]+|$)", text)``: it runs from the end of
    one run of [.!?] through the next run (or the end of the text). Every full date has a four-digit
    year, so only these sentences can hold one, and each is found from its number without reading
    the sentences before it.
    """
    out = []
    end = 0  # where the last piece found ends, always a piece boundary
    for number in _FOUR_DIGITS.finditer(text):
        at = number.start()
        if at < end:
            continue  # in the piece just taken
        start = max(end, text.rfind(".", end, at) + 1, text.rfind("!", end, at) + 1, text.rfind("?", end, at) + 1)
        stop = _SENTENCE_END.search(text, number.end())
        end = stop.end() if stop else len(text)
        out.append(text[start:end])
    return out


def _event_dates(text: str) -> list[dt.date]:
    """Full dates outside sentences that talk about the future."""
    out = []
    for s in _year_sentences(text):
        for pos, d in find_full_dates(s):
            if not _FUTURE_CUE.search(s[:pos]):
                out.append(d)
    return out


# Every weekday name ends in "day", this many characters after its start (Mon-, Fri-, Sun- 3; Tues- 4; ...).
_WEEKDAY_STEMS = (3, 4, 5, 6)


def _weekdays(text: str) -> list[int]:
    """The weekdays of ``_WEEKDAY_MENTION.finditer(text)``, trying the pattern only where a "day" allows a name."""
    out = []
    at = text.find("day")
    while at >= 0:
        for stem in _WEEKDAY_STEMS:
            m = _WEEKDAY_MENTION.match(text, at - stem) if at >= stem else None
            if m is not None:
                out.append(_WEEKDAYS[m.group("wd")[:3].lower()])
                break
        at = text.find("day", at + 3)
    return out


def date_from_text(text: str, reference: dt.date | None = None) -> DateInfo:
    """Best publication date stated by or derivable from ``text``; see the module rules."""
    if not text or not text.strip():
        return DateInfo.unknown()
    stated = _dateline(text)
    if stated is not None:
        return DateInfo(stated, "published", "text:dateline")
    events = _event_dates(text)
    if events:
        bound = max(events)
        weekdays = _weekdays(text)
        if weekdays:
            resolved = [bound + dt.timedelta(days=(wd - bound.weekday()) % 7) for wd in weekdays]
            return DateInfo(max(resolved), "inferred", "text:latest-date+weekday")
        return DateInfo(bound, "inferred", "text:latest-date")
    if reference is not None:  # weekdays are only read when they can be used
        weekdays = _weekdays(text)
        if weekdays:
            resolved = [reference - dt.timedelta(days=(reference.weekday() - wd) % 7) for wd in weekdays]
            return DateInfo(max(resolved), "inferred", "reference+weekday")
    return DateInfo.unknown()


def _year(y: str) -> int:
    """Two-digit years as datasets write them: 00-69 are 2000s, 70-99 are 1900s."""
    n = int(y)
    if len(y) == 2:
        return 2000 + n if n < 70 else 1900 + n
    return n


_ISO = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})(?:[T ]\d{1,2}:?\d{2}.*)?\s*$")
_SLASH_MDY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}.*)?\s*$")
_DOT_DMY = re.compile(r"^\s*(\d{1,2})[.-](\d{1,2})[.-](\d{4})(?:\s+\d{1,2}:\d{2}.*)?\s*$")


def parse_date(value: str) -> dt.date | None:
    """A dataset or metadata date value to a day; None when it is not one.

    Accepts ISO dates and datetimes (the day as written, no time-zone shift), US slash dates
    ("4/5/17" is April 5, as in FA-KES), day-first dotted or dashed dates ("05.04.2017"),
    month names ("Apr 5, 2017", "5 April 2017") and RFC 2822 ("Wed, 05 Apr 2017 10:00 +0000").
    """
    if not value or not isinstance(value, str):
        return None
    v = value.strip()
    m = _ISO.match(v)
    if m:
        return _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _SLASH_MDY.match(v)
    if m:
        return _mk(_year(m.group(3)), int(m.group(1)), int(m.group(2)))
    m = _DOT_DMY.match(v)
    if m:
        return _mk(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if re.match(r"^\s*[A-Za-z]{3},\s*\d", v):
        try:
            return email.utils.parsedate_to_datetime(v).date()
        except (TypeError, ValueError):
            pass
    found = find_full_dates(v)
    if found:
        return found[0][1]
    return None


def date_from_url(url: str | None) -> dt.date | None:
    """A /2017/09/26/ (or /2017-09-26) path date; many news sites put the publication day there."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    return _mk(int(m.group("y")), int(m.group("m")), int(m.group("d")))
