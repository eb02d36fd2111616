"""Dates from text and from dataset values: provenance, no invention, no clock."""

from __future__ import annotations

import datetime as dt

import pytest

from extract.dates import date_from_text, date_from_url, parse_date


def test_dateline_is_published() -> None:
    info = date_from_text("Wed 05 Apr 2017 Syria attack symptoms consistent with nerve agent use. Victims ...")
    assert (info.value, info.provenance, info.source) == (dt.date(2017, 4, 5), "published", "text:dateline")
    assert date_from_text("23-04-2016 Child killed in Damascus.").value == dt.date(2016, 4, 23)


def test_latest_event_date_is_lower_bound_and_weekday_resolves_forward() -> None:
    text = (
        "A man gestures near debris on September 25, 2017. The ministry on Thursday denied the claims. "
        "Fighting has raged since March 16, 2016."
    )
    info = date_from_text(text)
    assert info.value == dt.date(2017, 9, 28)  # first Thursday on/after Monday 2017-09-25
    assert info.provenance == "inferred"
    info = date_from_text("Damage seen in Idlib, Syria, February 7, 2017. It was bad.")
    assert (info.value, info.source) == (dt.date(2017, 2, 7), "text:latest-date")


def test_future_dates_are_not_events() -> None:
    text = "Talks took place on 3 May 2017. The envoy will convene another round on June 30, 2017."
    assert date_from_text(text).value == dt.date(2017, 5, 3)


def test_weekday_needs_reference() -> None:
    text = "The ministry said Tuesday that its jets had struck ten targets."
    assert date_from_text(text).provenance == "unknown"
    info = date_from_text(text, reference=dt.date(2017, 9, 28))  # a Thursday
    assert (info.value, info.provenance) == (dt.date(2017, 9, 26), "inferred")


@pytest.mark.parametrize("text", ["", "Attack on September 18 killed many.", "Since March 2016 the town was held."])
def test_nothing_invented(text: str) -> None:
    assert date_from_text(text).value is None
    assert date_from_text(text).provenance == "unknown"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-04-05", dt.date(2017, 4, 5)),
        ("2017-04-05T23:30:00-05:00", dt.date(2017, 4, 5)),
        ("20180619T055000+0900", dt.date(2018, 6, 19)),
        ("4/5/17", dt.date(2017, 4, 5)),
        ("04/05/2017", dt.date(2017, 4, 5)),
        ("05.04.2017", dt.date(2017, 4, 5)),
        ("Apr 5, 2017", dt.date(2017, 4, 5)),
        ("5 April 2017", dt.date(2017, 4, 5)),
        ("Wed, 05 Apr 2017 10:00:00 +0000", dt.date(2017, 4, 5)),
        ("not a date", None),
        ("2017-02-30", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_date_from_url() -> None:
    assert date_from_url("https://example.com/news/2017/09/26/russia-idlib") == dt.date(2017, 9, 26)
    assert date_from_url("https://example.com/news/russia-idlib-12345") is None
    assert date_from_url(None) is None
