"""The query language: what users type becomes the tree every engine answers."""

import datetime as dt

import pytest

from search.query import (
    And,
    DateRange,
    FacetValue,
    MatchAll,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    parse_date_range,
    parse_query,
    positive_terms,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", MatchAll()),
        ("Idlib", Term("idlib")),
        ("airstrikes Idlib", And((Term("airstrikes"), Term("idlib")))),
        ("airstrikes AND Idlib", And((Term("airstrikes"), Term("idlib")))),
        ("Idlib OR Hama", Or((Term("idlib"), Term("hama")))),
        ("Idlib NOT Hama", And((Term("idlib"), Not(Term("hama"))))),
        ("Idlib -Hama", And((Term("idlib"), Not(Term("hama"))))),
        ('"Islamic State"', Phrase(("islamic", "state"))),
        ("title:Idlib", Term("idlib", "title")),
        ('title:"air strikes"', Phrase(("air", "strikes"), "title")),
        ("outlet:RT", FacetValue("outlet", "RT")),
        ('actor:"Islamic State"', FacetValue("actor", "Islamic State")),
        ("Konash*", Term("konash", prefix=True)),
        ("al-Shughur", Phrase(("al", "shughur"))),
        ("(Idlib OR Hama) strikes", And((Or((Term("idlib"), Term("hama"))), Term("strikes")))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
    ],
)
def test_parse(text, expected):
    assert parse_query(text) == expected


def test_date_ranges():
    assert parse_query("date:2017-09") == DateRange(dt.date(2017, 9, 1), dt.date(2017, 9, 30))
    assert parse_date_range("2016") == DateRange(dt.date(2016, 1, 1), dt.date(2016, 12, 31))
    assert parse_date_range("2017-09-01..2017-10") == DateRange(dt.date(2017, 9, 1), dt.date(2017, 10, 31))
    assert parse_date_range("..2016-02") == DateRange(None, dt.date(2016, 2, 29))
    assert parse_date_range("2017..") == DateRange(dt.date(2017, 1, 1), None)
    assert parse_date_range(">2017-01-31") == DateRange(dt.date(2017, 2, 1), None)
    assert parse_date_range("<=2017-01") == DateRange(None, dt.date(2017, 1, 31))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed phrase', "unclosed quote"),
        ("(Idlib OR Hama", "never closed"),
        ("Idlib)", r"unmatched '\)'"),
        ("Idlib AND", "AND at the end"),
        ("OR Idlib", "needs a word before"),
        ("nosuchfield:x", "unknown field"),
        ("date:2017-13", "not a date"),
        ("date:yesterday", "not a date"),
        ("date:2018..2017", "empty date range"),
        ("()", "empty parentheses"),
    ],
)
def test_malformed_queries_say_why(text, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(text)


def test_positive_terms_leave_out_negations():
    node = parse_query('Idlib "Islamic State" -Hama')
    assert positive_terms(node) == [Term("idlib"), Phrase(("islamic", "state"))]
