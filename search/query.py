"""newsdex's query language, parsed once into an engine-neutral tree.

Users type words, "phrases", AND / OR / NOT (or a leading ``-``), parentheses,
``field:value`` and date ranges (``date:2017-09``, ``date:2017-09-01..2017-10-15``,
``date:..2016``).  Every engine translates the same tree, so no engine ever sees
a raw user string and all of them answer the same question.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from index.analysis import lowercase_words

TEXT_FIELDS = ("title", "body")
FACET_FIELDS = ("outlet", "actor", "location", "month")
FIELD_ALIASES = {
    "title": "title",
    "headline": "title",
    "body": "body",
    "text": "body",
    "outlet": "outlet",
    "source": "outlet",
    "actor": "actor",
    "actors": "actor",
    "location": "location",
    "locations": "location",
    "place": "location",
    "date": "date",
    "month": "month",
}


class QuerySyntaxError(ValueError):
    """The user's query cannot be parsed; the message says where and why."""


# -- the tree -----------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One word; ``field`` None means title or body. ``prefix`` for ``word*``."""

    text: str
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class FacetValue:
    """An exact facet value: ``outlet:RT``, ``actor:"Islamic State"``, ``month:2017-09``."""

    field: str
    value: str


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of publication days; either end may be open."""

    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | Phrase | FacetValue | DateRange | And | Or | Not | MatchAll


# -- dates ----------------------------------------------------------------------
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text: str, *, end: bool) -> dt.date:
    """``2017`` / ``2017-09`` / ``2017-09-26`` → first (or last, with ``end``) day it covers."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise QuerySyntaxError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        m = int(month)
        if day is None:
            return dt.date(year, m, calendar.monthrange(year, m)[1]) if end else dt.date(year, m, 1)
        return dt.date(year, m, int(day))
    except ValueError as exc:
        raise QuerySyntaxError(f"not a date: {text!r} ({exc})") from exc


def parse_date_range(text: str) -> DateRange:
    """``2017-09`` (that month), ``A..B``, ``..B``, ``A..``, ``>=A``, ``<B``-style bounds."""
    text = text.strip()
    if ".." in text:
        left, right = text.split("..", 1)
        start = parse_partial_date(left, end=False) if left.strip() else None
        stop = parse_partial_date(right, end=True) if right.strip() else None
    elif text[:2] in (">=", "<="):
        bound = text[2:]
        start = parse_partial_date(bound, end=False) if text[0] == ">" else None
        stop = parse_partial_date(bound, end=True) if text[0] == "<" else None
    elif text[:1] in (">", "<"):
        bound = text[1:]
        if text[0] == ">":
            start, stop = parse_partial_date(bound, end=True) + dt.timedelta(days=1), None
        else:
            start, stop = None, parse_partial_date(bound, end=False) - dt.timedelta(days=1)
    else:
        start, stop = parse_partial_date(text, end=False), parse_partial_date(text, end=True)
    if start and stop and start > stop:
        raise QuerySyntaxError(f"empty date range: {text!r} starts after it ends")
    return DateRange(start, stop)


# -- tokenizer ------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<field>[A-Za-z_]+):(?=\S)
  | (?P<phrase>"[^"]*"?)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        value = m.group(kind)
        if kind == "phrase" and (len(value) < 2 or not value.endswith('"')):
            raise QuerySyntaxError(f"unclosed quote at position {m.start() + 1}: {text[m.start() :]!r}")
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        tokens.append(_Tok(kind, value, m.start()))
    return tokens


# -- parser (recursive descent: or → and → unary → atom) ---------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            return MatchAll()
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            what = "unmatched ')'" if tok.kind == "rparen" else f"unexpected {tok.value!r}"
            raise QuerySyntaxError(f"{what} at position {tok.pos + 1}")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.take()
            if self.peek() is None:
                raise QuerySyntaxError("OR at the end of the query needs something after it")
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("or", "rparen"):
            if tok.kind == "and":
                self.take()
                if self.peek() is None:
                    raise QuerySyntaxError("AND at the end of the query needs something after it")
            children.append(self.parse_unary())
        children = [c for c in children if not isinstance(c, MatchAll)] or [MatchAll()]
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("the query ends where a word was expected")
        if tok.kind == "not":
            self.take()
            return Not(self.parse_unary())
        if tok.kind == "word" and tok.value.startswith("-") and len(tok.value) > 1:
            self.take()
            self.tokens.insert(self.i, _Tok("word", tok.value[1:], tok.pos + 1))
            return Not(self.parse_unary())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise QuerySyntaxError(f"empty parentheses at position {tok.pos + 1}")
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError(f"parenthesis opened at position {tok.pos + 1} is never closed")
            self.take()
            return node
        if tok.kind == "rparen":
            raise QuerySyntaxError(f"unmatched ')' at position {tok.pos + 1}")
        if tok.kind in ("and", "or"):
            raise QuerySyntaxError(f"{tok.value} at position {tok.pos + 1} needs a word before it")
        if tok.kind == "field":
            return self.parse_field(tok)
        if tok.kind == "phrase":
            return _phrase(tok.value[1:-1], None) or MatchAll()
        return _word(tok.value, None)

    def parse_field(self, tok: _Tok) -> Node:
        name = tok.value.lower()
        field = FIELD_ALIASES.get(name)
        if field is None:
            known = ", ".join(sorted(set(FIELD_ALIASES)))
            raise QuerySyntaxError(f"unknown field {name!r} at position {tok.pos + 1} (known: {known})")
        value_tok = self.peek()
        if value_tok is None or value_tok.kind not in ("word", "phrase", "and", "or", "not"):
            raise QuerySyntaxError(f"field {name!r} at position {tok.pos + 1} needs a value")
        self.take()
        raw = value_tok.value[1:-1] if value_tok.kind == "phrase" else value_tok.value
        if field == "date":
            return parse_date_range(raw)
        if field in FACET_FIELDS:
            if not raw.strip():
                raise QuerySyntaxError(f"field {name!r} at position {tok.pos + 1} needs a value")
            return FacetValue(field, raw.strip())
        if value_tok.kind == "phrase":
            return _phrase(raw, field) or MatchAll()
        return _word(raw, field)


def _word(raw: str, field: str | None) -> Node:
    prefix = raw.endswith("*") and len(raw) > 1
    words = lowercase_words(raw)
    if not words:
        return MatchAll()
    if len(words) > 1:  # "al-Shughur", "U.S." — one token to the user, several to the analyser
        return Phrase(tuple(words), field)
    return Term(words[0], field, prefix=prefix)


def _phrase(raw: str, field: str | None) -> Node | None:
    words = tuple(lowercase_words(raw))
    if not words:
        return None
    return Term(words[0], field) if len(words) == 1 else Phrase(words, field)


def parse_query(text: str) -> Node:
    """Parse the user's query; raises :class:`QuerySyntaxError` with a readable message."""
    return _Parser(text or "").parse()


def positive_terms(node: Node) -> list[Term | Phrase]:
    """The words and phrases a hit is expected to contain (for highlighting); NOT branches excluded."""
    if isinstance(node, Term | Phrase):
        return [node]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in positive_terms(child)]
    return []
