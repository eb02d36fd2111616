"""Actors and locations: one entity is one facet value, credits are not actors, users can extend the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.alias_table import fold, load_entries
from extract.entities import EntityExtractor, Place, default_extractor
from tests.shared_data import shared_dir


@pytest.fixture(scope="module")
def ex() -> EntityExtractor:
    return default_extractor()


@pytest.mark.parametrize(
    ("sentence", "canonical"),
    [
        ("ISIS fighters withdrew from the town.", "Islamic State"),
        ("The attack was claimed by IS on Monday.", "Islamic State"),
        ("ISIL released a statement.", "Islamic State"),
        ("Daesh fighters withdrew overnight.", "Islamic State"),
        ("Islamic State fighters withdrew overnight.", "Islamic State"),
        ("The Russian Defence Ministry said the jets returned.", "Russian Defense Ministry"),
        ("The Russian Defense Ministry said the jets returned.", "Russian Defense Ministry"),
        ("The strikes hit depots, the Russian MoD said.", "Russian Defense Ministry"),
        ("Russia's Defense Ministry said the jets returned.", "Russian Defense Ministry"),
        ("Russia’s Defense Ministry said the jets returned.", "Russian Defense Ministry"),
        ("The White Helmets said 15 bodies were recovered.", "White Helmets"),
        ("Syria Civil Defence said 15 bodies were recovered.", "White Helmets"),
        ("The Syrian Civil Defense said 15 bodies were recovered.", "White Helmets"),
        ("Konashenkov said the jets hit ten targets.", "Igor Konashenkov"),
        ("Major General Igor Konashenkov said the jets hit ten targets.", "Igor Konashenkov"),
    ],
)
def test_actor_aliases_meet_in_one_value(ex: EntityExtractor, sentence: str, canonical: str) -> None:
    assert canonical in ex.extract(sentence).actors


@pytest.mark.parametrize("surface", ["Jisr al-Shughur", "Jisr al Shqour", "Jisr ash Shughur", "Jisr al-Shughour"])
def test_place_spellings_meet_in_one_value(ex: EntityExtractor, surface: str) -> None:
    found = ex.extract(f"Families fled from towns such as {surface} after the strikes.")
    assert found.locations == ["Jisr al-Shughur"]


def test_lower_case_words_are_not_acronyms(ex: EntityExtractor) -> None:
    found = ex.extract("It is what it is, he told us.")
    assert found.actors == [] and found.locations == []


def test_credits_are_not_actors_but_cited_agencies_are(ex: EntityExtractor) -> None:
    text = (
        "A jet takes off at Hmeimim air base in Syria. (Photo by AP)\n"
        "People inspect the damage in Idlib, Syria. (Photo by Reuters)\n"
        "AFP\n"
        "Destroyed ambulances are seen in the town.\n"
        "BEIRUT (Reuters) - Rebels said on Tuesday they had retaken the village."
    )
    assert not {"Associated Press", "Reuters", "Agence France-Presse"} & set(ex.extract(text).actors)
    cited = ex.extract("Earlier, Reuters cited a rescue worker. Two sources told AFP the strikes continued.")
    assert {"Reuters", "Agence France-Presse"} <= set(cited.actors)


def test_titled_and_quoted_names_find_unknown_people(ex: EntityExtractor) -> None:
    text = (
        "Rebel spokesman Yusuf Hammoud said the village had fallen. "
        "Hammoud added that more fighters were on the way. "
        '"We pulled 152 bodies," said Salem Abu al Azem, a senior rescue worker.'
    )
    found = ex.extract(text)
    assert found.actors == ["Yusuf Hammoud", "Salem Abu al Azem"]
    assert [m.text for m in found.mentions if m.canonical == "Yusuf Hammoud"] == ["Yusuf Hammoud", "Hammoud"]


def test_headline_words_are_not_people(ex: EntityExtractor) -> None:
    found = ex.extract("The minister said the economy lost billions.", title="Minister Says Economy Lost Over Billions")
    assert all(m.kind != "person" for m in found.mentions)


def test_capitals_are_governments_or_places_by_use(ex: EntityExtractor) -> None:
    metonym = ex.extract("Moscow said the strikes would go on, and Washington denied the claims.")
    assert metonym.actors == ["Russia", "United States"] and metonym.locations == []
    place = ex.extract("Talks were held in Moscow and a car bomb went off east of Damascus.")
    assert place.locations == ["Moscow", "Damascus"] and place.actors == []
    assert ex.extract("Shelling hit the Damascus countryside.").locations == ["Damascus"]


def test_countries_are_actors_when_they_act_and_locations_where_events_happen(ex: EntityExtractor) -> None:
    found = ex.extract("Russia rejects accusations of airstrikes in Syria.")
    assert found.actors == ["Russia"] and found.locations == ["Syria"]
    assert ex.extract("The Syrian government's request was granted.").actors == ["Syria"]


def test_context_forms_need_the_entity_named(ex: EntityExtractor) -> None:
    assert ex.extract("The ministry said the Observatory was wrong.").actors == []
    found = ex.extract("SOHR reported 27 dead. The Russian MoD said the Observatory was wrong, the ministry added.")
    assert found.actors == ["Syrian Observatory for Human Rights", "Russian Defense Ministry"]


def test_common_words_are_not_places(ex: EntityExtractor) -> None:
    found = ex.extract("Police said Reading the report took hope. Mobile clinics were sent. Victoria Nuland spoke.")
    assert found.locations == []


def test_geonames_finds_places_beyond_the_table(ex: EntityExtractor) -> None:
    found = ex.extract("Jets struck the town of Kafr Takharim and the village of Al Tahh.")
    assert found.locations == ["Kafr Takharim", "Al Tahh"]
    place = ex.place("Kafr Takharim")
    assert place is not None and place.country == "Syria"
    assert place.lat == pytest.approx(36.12, abs=0.1) and place.lon == pytest.approx(36.52, abs=0.1)


def test_place_gives_country_and_coordinates(ex: EntityExtractor) -> None:
    jisr = ex.place("Jisr al-Shughur")
    assert jisr is not None and jisr.country == "Syria"
    assert jisr.lat == pytest.approx(35.81, abs=0.05) and jisr.lon == pytest.approx(36.32, abs=0.05)
    assert ex.place("Geneva") == Place(
        "Geneva", "Switzerland", pytest.approx(46.2, abs=0.1), pytest.approx(6.15, abs=0.1)
    )
    assert ex.place("Syria").country == "Syria"  # type: ignore[union-attr]
    assert ex.place("Nowhere In Particular") is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aliases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_table_overrides_and_extends_the_built_in_one(tmp_path: Path) -> None:
    user = _write(
        tmp_path,
        """
[[entity]]
name = "Islamic State"
kind = "armed_group"
aliases = ["Islamic State", "Daesh"]

[[entity]]
name = "Hezbollah"
extend = true
aliases = ["Party of God"]

[[entity]]
name = "Liwa Suqour al-Jabal"
kind = "armed_group"
aliases = ["Liwa Suqour al-Jabal", "Suqour al-Jabal"]
""",
    )
    ex = EntityExtractor([user])
    assert ex.extract("ISIS fighters withdrew.").actors == []  # the user's entry replaced the built-in one
    assert ex.extract("Daesh fighters withdrew.").actors == ["Islamic State"]
    assert ex.extract("The Party of God sent fighters.").actors == ["Hezbollah"]
    assert ex.extract("Hezbollah sent fighters.").actors == ["Hezbollah"]  # extended, not replaced
    assert ex.extract("Suqour al-Jabal fighters advanced.").actors == ["Liwa Suqour al-Jabal"]
    assert default_extractor([user]) is default_extractor([user])


def test_renormalise_applies_a_table_edit_without_the_text(tmp_path: Path) -> None:
    text = "The Russian MoD said the strikes hit Nusra. The ministry added that Jisr al Shqour was quiet."
    before = default_extractor().extract(text)
    assert before.actors == ["Russian Defense Ministry", "Al-Nusra Front"]
    user = _write(
        tmp_path,
        """
[[entity]]
name = "Ministry of Defence of Russia"
kind = "organisation"
aliases = ["Russian MoD", "Russian Defense Ministry"]
context = ["the ministry"]

[[entity]]
name = "Jabhat al-Nusra"
kind = "armed_group"
aliases = ["Nusra", "Al-Nusra Front"]
""",
    )
    after = EntityExtractor([user]).renormalise(before.mentions)
    assert after.actors == ["Ministry of Defence of Russia", "Jabhat al-Nusra"]
    assert after.locations == ["Jisr al-Shughur"]
    assert [m.canonical for m in after.mentions if m.text == "The ministry"] == ["Ministry of Defence of Russia"]
    assert default_extractor().renormalise(before.mentions) == before


def test_unknown_names_lists_frequent_names_the_table_lacks(ex: EntityExtractor) -> None:
    texts = ["Commander Abu Layla Hadidi said the Liwa Thuwar Tabqa brigade held the line."] * 3
    names = dict(ex.unknown_names(texts, min_count=2))
    assert names == {"Abu Layla Hadidi": 3, "Liwa Thuwar": 3}
    assert "Russian Defense Ministry" not in dict(ex.unknown_names(["The Russian Defense Ministry said."] * 3))


def test_built_in_table_has_no_alias_claimed_by_two_entities() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for entry in load_entries().values():
        forms = {fold(a).lower() for a in entry.aliases + entry.government} | {fold(a) for a in entry.acronyms}
        for form in forms:
            if owner.setdefault(form, entry.name) != entry.name:
                clashes.append((form, owner[form], entry.name))
    assert clashes == []


@pytest.mark.shared
def test_seeds_f1_against_gold() -> None:
    shared = shared_dir()
    gold = json.loads((shared / "gold" / "seeds_entities.json").read_text(encoding="utf-8"))
    ex = default_extractor()

    def canon(name: str) -> str:
        entry = ex.entries.get(name) or ex._alias.get(fold(name).lower())
        return entry.name if entry is not None else name

    tp = fp = fn = 0
    for name, labels in gold["docs"].items():
        found = ex.extract((shared / "seeds" / name).read_text(encoding="utf-8"))
        for facet, predicted in (("actors", found.actors), ("locations", found.locations)):
            pred = {canon(x) for x in predicted}
            req = {canon(x) for x in labels[facet]}
            opt = {canon(x) for x in labels.get(f"{facet}_optional", [])}
            tp += len(pred & req)
            fp += len(pred - req - opt)
            fn += len(req - pred)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert 2 * precision * recall / (precision + recall) >= 0.95


def _finite_language(regex: str) -> set[str]:
    """Every string a regex without unbounded repeats matches (literals, classes, groups, alternation)."""
    from itertools import product
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    def expand(items: object) -> set[str]:
        out = {""}
        for op, av in items:  # type: ignore[attr-defined]
            if op is sre.LITERAL:
                options = {chr(av)}
            elif op is sre.IN:
                options = set()
                for kind, value in av:
                    assert kind in (sre.LITERAL, sre.RANGE), kind
                    lo, hi = (value, value) if kind is sre.LITERAL else value
                    options |= {chr(c) for c in range(lo, hi + 1)}
            elif op is sre.SUBPATTERN:
                options = expand(av[-1])
            elif op is sre.BRANCH:
                options = set().union(*(expand(branch) for branch in av[1]))
            else:
                assert op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] <= 9, op
                inner = expand(av[2])
                options = {"".join(p) for n in range(av[0], av[1] + 1) for p in product(inner, repeat=n)}
            out = {a + b for a in out for b in options}
        return out

    return expand(_parser.parse(regex))


def test_rule_pattern_cues_cover_every_alternative() -> None:
    """The rule patterns are only tried at their cues (extract.entities._matches_at), so no match may lack one."""
    from extract import entities as E

    titles = _finite_language(E._TITLE)
    assert "Major General" in titles and "spokeswoman" in titles
    assert all(any(t.startswith(head) for head in E._TITLE_HEADS) for t in titles)
    assert _finite_language(E._SPEECH) <= set(E._SPEECH_WORDS)
    assert _finite_language(E._PLACE_BEFORE) <= set(E._PLACE_BEFORE_KEYS)
    assert _finite_language(E._PLACE_AFTER) <= set(E._PLACE_AFTER_KEYS)
    assert _finite_language(E._PARTICLE) <= E._PARTICLE_SET
    assert len(E._CUE_KEYS) == len(E._TITLE_HEADS) + len(E._SPEECH_WORDS) + 1 + len(E._PLACE_BEFORE_KEYS) + len(
        E._PLACE_AFTER_KEYS
    )  # no key serves two cue kinds


@pytest.mark.parametrize(
    "text",
    [
        "Rebel spokesman Yusuf Hammoud said the village had fallen. Hammoud added, according to Ali Omar.",
        "Lt. Gen. Sergei Rudskoi, Secretary-General Ban Ki-moon and Maj General John O'Neil McDonald told AFP.",
        "In Idlib Province, the al-Bab district and As Safira countryside, Jisr ash-Shughur Air base was hit.",
        "Sheikh Ahmed bin Said al-Thani, Mohammed Ali-said said: the village of Kafr Nabl, Yarmouk Refugee camp.",
        "iPhone McDonald's O'x el-Assad bint-Ali von der Leyen\nSaid Ahmed , said\u00a0Éric Ünal noted",
        "Deir ez-Zor Governorate, Ar Raqqah province and the Hmeimim airbase",
    ],
)
def test_rule_patterns_find_what_finditer_finds(text: str) -> None:
    from extract import entities as E

    cues = E._cue_starts(text)
    tried = [
        *zip(E._PERSON_PATTERNS, E._person_starts(text, cues), strict=True),
        *zip(E._PLACE_PATTERNS, E._place_starts(text, cues), strict=True),
        (E._CAP_SPAN, E._cap_span_starts(text)),
    ]
    for pattern, starts in tried:
        expected = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in E._matches_at(pattern, text, starts)] == expected
