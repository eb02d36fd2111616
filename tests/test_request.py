"""The one query object: URL parameters in and out, toggles, validation."""

import datetime as dt

import pytest

from search.query import QuerySyntaxError
from search.request import SearchQuery


def test_round_trip_through_params():
    q = SearchQuery.from_params(
        {"q": "airstrikes", "outlet": ["RT", "Press TV"], "since": "2017-09", "sort": "date", "page": "2"}
    )
    assert q.filters == {"outlet": ("RT", "Press TV")}
    assert q.since == dt.date(2017, 9, 1)
    assert q.sort == "newest"
    assert q.offset == 10
    again = SearchQuery.from_params(
        {k: [v for kk, v in q.to_params() if kk == k] for k in {k for k, _ in q.to_params()}}
    )
    assert again == q


def test_toggle_adds_and_removes_and_resets_page():
    q = SearchQuery(text="Idlib", page=3)
    on = q.toggle("actor", "Islamic State")
    assert on.filters == {"actor": ("Islamic State",)} and on.page == 1
    off = on.toggle("actor", "Islamic State")
    assert off.filters == {} and off.query_string() == "q=Idlib"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "strike idlib", "page": "3"},
        {"q": '"white helmets" & co', "outlet": ["RT", "BBC"], "actor": "Islamic State", "sort": "date"},
        {"location": ["Jisr al-Shughur", "Idlib"], "month": "2017-04", "since": "2016", "per_page": "50"},
        {"q": "ünïcode", "actor": ["Vladimir Putin"], "until": "2017-02", "page": "2"},
    ],
)
def test_prepared_toggle_links_equal_toggling_the_query(params):
    q = SearchQuery.from_params(params)
    values = ["RT", "BBC", "Al Jazeera", "Islamic State", "Vladimir Putin", "Idlib", "2017-04", "a&b=c/d?e"]
    values += ["Ḥamā 1+1 %~", ""]
    for facet in ("outlet", "actor", "location", "month"):
        toggle = q.toggle_query_strings(facet)
        for value in values:
            assert toggle(value) == q.toggle(facet, value).query_string(), (facet, value)


def test_until_covers_the_whole_month():
    assert SearchQuery.from_params({"until": "2016-02"}).until == dt.date(2016, 2, 29)


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "x"}, {"per_page": "1000"}, {"sort": "random"}, {"since": "2018", "until": "2017"}],
)
def test_bad_params_are_query_errors(params):
    with pytest.raises(QuerySyntaxError):
        SearchQuery.from_params(params)


def test_unknown_filter_is_rejected():
    with pytest.raises(QuerySyntaxError, match="unknown facet"):
        SearchQuery(filters={"colour": ("red",)})
