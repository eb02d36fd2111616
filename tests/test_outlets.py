"""Outlet names from domains and from the text's own signature, and facet normalisation."""

from __future__ import annotations

import pytest

from extract.outlets import normalise_outlet, outlet_from_domain, outlet_from_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.rt.com/news/404-idlib/", "RT"),
        ("presstv.ir", "Press TV"),
        ("www.presstv.co.uk", "Press TV"),
        ("http://uk.reuters.com/article/x", "Reuters"),
        ("news.bbc.co.uk", "BBC"),
        ("https://www.aljazeera.com/news/2017/9/28", "Al Jazeera"),
        ("https://english.almanar.com.lb/123", "Al-Manar"),
        ("http://news.example.co.uk/a", "example.co.uk"),
        ("https://blog.example.com/post", "example.com"),
        ("localhost", None),
        ("", None),
        (None, None),
    ],
)
def test_outlet_from_domain(value: str | None, expected: str | None) -> None:
    assert outlet_from_domain(value) == expected


def test_outlet_from_text_needs_a_self_signature() -> None:
    footer = "Press TV’s website can also be accessed at the following alternate addresses:\n\nwww.presstv.co.uk"
    assert outlet_from_text("Body text.\n" + footer) == "Press TV"
    assert outlet_from_text("Full story at https://www.rt.com/news/1234") == "RT"
    # Citing an agency, or a photo credit, is not the outlet.
    assert outlet_from_text("Two Lebanese sources told Reuters.\nAFP\nREAD MORE: something") is None
    assert outlet_from_text("") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Reuters UK", "Reuters"),
        ("reuters.com", "Reuters"),
        ("REUTERS", "Reuters"),
        ("The Associated Press", "AP"),
        ("BBC News", "BBC"),
        ("PressTV", "Press TV"),
        ("DAILY SABAH", "Daily Sabah"),
        ("  Some  Local Paper ", "Some Local Paper"),
        ("www.example.com", "example.com"),
    ],
)
def test_normalise_outlet(name: str, expected: str) -> None:
    assert normalise_outlet(name) == expected
