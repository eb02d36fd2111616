"""Plain-text line classifier: pinned on the seeds' gold labels, plus repo-contained cases."""

from __future__ import annotations

import json

import pytest

from extract.boilerplate import _norm, clean_plain_text, strip_inline_leftovers
from tests.shared_data import shared_dir


@pytest.mark.shared
def test_seed_lines_match_gold() -> None:
    shared = shared_dir()
    gold = json.loads((shared / "gold" / "seeds_lines.json").read_text(encoding="utf-8"))
    errors = []
    for name, labels in gold["files"].items():
        ct = clean_plain_text((shared / "seeds" / name).read_text(encoding="utf-8"))
        for lab in labels:
            text = _norm(lab["text"])
            kept = text in ct.paragraphs or text in (ct.title, ct.dek)
            if lab["label"] == "boiler" and kept:
                errors.append(f"{name}:{lab['line']} boiler kept: {text[:60]}")
            if lab["label"] != "boiler" and not kept:
                errors.append(f"{name}:{lab['line']} {lab['label']} dropped: {text[:60]}")
            if lab["label"] == "title" and ct.title != text:
                errors.append(f"{name}:{lab['line']} title not recognised")
            if lab["label"] == "dek" and ct.dek != text:
                errors.append(f"{name}:{lab['line']} dek not recognised")
            if lab["label"] == "subhead" and text not in ct.subheads:
                errors.append(f"{name}:{lab['line']} subhead not recognised")
    assert errors == []


ARTICLE = """World  /  Middle East

Ministers meet in Geneva over ceasefire

The talks aim to extend a fragile truce in the north of the country.

A man walks past a damaged building in Aleppo, Syria, on March 3, 2017. (AP Photo/Hassan Ammar)

Foreign ministers met in Geneva on Tuesday to discuss extending the ceasefire, officials said.

"We are closer than ever," one diplomat said, asking not to be named.

READ MORE: Earlier talks collapsed over aid access

Aid convoys

Aid agencies said convoys had reached two besieged towns for the first time in months.

Reuters

Residents queue for bread in the town of Douma on March 2, 2017.

The ministers will meet again next week.

Share this article
Follow us on Telegram
"""


def test_structure_and_boilerplate_inline() -> None:
    ct = clean_plain_text(ARTICLE)
    assert ct.title == "Ministers meet in Geneva over ceasefire"
    assert ct.dek == "The talks aim to extend a fragile truce in the north of the country."
    assert ct.subheads == ["Aid convoys"]
    assert ct.paragraphs[0].startswith("Foreign ministers met")
    assert "Aid convoys" in ct.paragraphs
    assert ct.paragraphs[-1] == "The ministers will meet again next week."
    joined = "\n".join(ct.paragraphs)
    for junk in ("World", "AP Photo", "READ MORE", "Reuters", "Douma", "Share this", "Telegram"):
        assert junk not in joined
    assert len(ct.removed) == 7
    assert ct.text.count("\n\n") == len(ct.paragraphs) - 1


def test_plain_body_without_title_is_all_kept() -> None:
    raw = "Officials said the strikes hit a depot.\nThe ministry denied it on Tuesday, calling it a lie.\n"
    ct = clean_plain_text(raw)
    assert ct.title is None
    assert ct.dek is None
    assert ct.paragraphs == [
        "Officials said the strikes hit a depot.",
        "The ministry denied it on Tuesday, calling it a lie.",
    ]
    assert ct.removed == []


def test_repeated_caption_drops_both_copies() -> None:
    caption = "Troops are seen near the border"
    raw = f"Lead sentence of the story goes here.\n\n{caption}\n{caption}\n\nMore body text follows here.\n"
    ct = clean_plain_text(raw)
    assert "Troops are seen near the border" not in ct.paragraphs
    assert ct.removed.count("Troops are seen near the border") == 2


def test_empty_text() -> None:
    ct = clean_plain_text("  \n\n ")
    assert (ct.title, ct.dek, ct.paragraphs, ct.subheads, ct.removed) == (None, None, [], [], [])


def test_inline_leftovers_stripped() -> None:
    title = "Syria attack symptoms consistent with nerve agent use WHO"
    text = (
        f"Wed 05 Apr 2017 {title}. Victims showed symptoms, the WHO said. Read more here Syrian baby saver killed "
        "The agency said it was sending medicines. Source TRTWorld and agencies"
    )
    out, removed = strip_inline_leftovers(text, title)
    assert out == "Victims showed symptoms, the WHO said. The agency said it was sending medicines."
    assert removed[:2] == ["Wed 05 Apr 2017", title]
    assert "Source TRTWorld and agencies" in removed


def test_inline_leftovers_keep_paragraphs() -> None:
    """A dataset text with paragraphs keeps them; start rules apply to the first, end rules to each."""
    title = "Syria attack symptoms consistent with nerve agent use"
    text = (
        f"Wed 05 Apr 2017 {title}. Victims showed symptoms, the WHO said.\n\n"
        "Doctors treated dozens. Copyright 2017 Example Wire all rights reserved\n\n"
        "The agency said it was sending medicines. Source TRTWorld and agencies"
    )
    out, removed = strip_inline_leftovers(text, title)
    assert out.split("\n\n") == [
        "Victims showed symptoms, the WHO said.",
        "Doctors treated dozens.",
        "The agency said it was sending medicines.",
    ]
    assert removed[:2] == ["Wed 05 Apr 2017", title]
    assert removed[2:] == ["Copyright 2017 Example Wire all rights reserved", "Source TRTWorld and agencies"]


def test_inline_leftovers_keep_body() -> None:
    text = "The minister said on Twitter that the talks had failed. Read more about the talks in our archive later."
    out, removed = strip_inline_leftovers(text)
    assert out.startswith("The minister said on Twitter that the talks had failed.")
    assert "Twitter" in out
    tail = "Tags Syria Damascus Community standardsDiscussion Comment via FacebookComment via Sputnik News"
    out, removed = strip_inline_leftovers("Body text here. " + tail)
    assert out == "Body text here."
    assert removed
