"""Outlet names: from a URL or domain, from the text's own signature, and normalised for facets.

The outlet is a facet an analyst filters on, so one outlet must have one name
("Reuters UK", "reuters.com" and "REUTERS" are all Reuters) and a guess is worse than
nothing: the text is only trusted when the outlet names *itself* (its website, its URL),
never from house style.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["normalise_outlet", "outlet_from_domain", "outlet_from_text", "registrable_domain"]

# Registrable domain -> outlet name. Regional and mirror domains map to the same outlet.
_DOMAINS: dict[str, str] = {
    "rt.com": "RT", "russian.rt.com": "RT", "arabic.rt.com": "RT",
    "presstv.ir": "Press TV", "presstv.com": "Press TV", "presstv.co.uk": "Press TV", "presstv.tv": "Press TV",
    "aljazeera.com": "Al Jazeera", "aljazeera.net": "Al Jazeera",
    "reuters.com": "Reuters", "uk.reuters.com": "Reuters", "in.reuters.com": "Reuters", "af.reuters.com": "Reuters",
    "bbc.co.uk": "BBC", "bbc.com": "BBC",
    "apnews.com": "AP", "ap.org": "AP",
    "afp.com": "AFP", "france24.com": "France 24",
    "cnn.com": "CNN", "edition.cnn.com": "CNN", "money.cnn.com": "CNN",
    "nytimes.com": "The New York Times", "washingtonpost.com": "The Washington Post",
    "theguardian.com": "The Guardian", "guardian.co.uk": "The Guardian",
    "independent.co.uk": "The Independent", "telegraph.co.uk": "The Telegraph",
    "dailymail.co.uk": "Daily Mail", "mirror.co.uk": "Daily Mirror", "dailystar.co.uk": "Daily Star",
    "foxnews.com": "Fox News", "nbcnews.com": "NBC News", "cbsnews.com": "CBS News", "abcnews.go.com": "ABC News",
    "npr.org": "NPR", "usatoday.com": "USA Today", "wsj.com": "The Wall Street Journal", "ft.com": "Financial Times",
    "bloomberg.com": "Bloomberg", "economist.com": "The Economist", "time.com": "TIME",
    "newsweek.com": "Newsweek", "politico.com": "Politico", "huffingtonpost.com": "HuffPost",
    "huffpost.com": "HuffPost", "businessinsider.com": "Business Insider", "businessweek.com": "Bloomberg Businessweek",
    "techcrunch.com": "TechCrunch", "theverge.com": "The Verge", "vox.com": "Vox", "wired.com": "Wired",
    "latimes.com": "Los Angeles Times", "chicagotribune.com": "Chicago Tribune", "bostonherald.com": "Boston Herald",
    "sputniknews.com": "Sputnik", "sputniknews.ru": "Sputnik", "tass.com": "TASS", "tass.ru": "TASS",
    "sana.sy": "SANA", "almanar.com.lb": "Al-Manar", "english.almanar.com.lb": "Al-Manar",
    "alalam.ir": "Al-Alam", "en.alalam.ir": "Al-Alam", "english.alaraby.co.uk": "The New Arab",
    "alaraby.co.uk": "The New Arab", "newarab.com": "The New Arab", "dailysabah.com": "Daily Sabah",
    "trtworld.com": "TRT World", "aa.com.tr": "Anadolu Agency", "english.ahram.org.eg": "Ahram Online",
    "ahram.org.eg": "Ahram Online", "jordantimes.com": "Jordan Times", "english.alarabiya.net": "Al Arabiya",
    "alarabiya.net": "Al Arabiya", "aawsat.com": "Asharq Al-Awsat", "english.aawsat.com": "Asharq Al-Awsat",
    "nna-leb.gov.lb": "National News Agency (Lebanon)", "etilaf.org": "Syrian National Coalition (Etilaf)",
    "en.etilaf.org": "Syrian National Coalition (Etilaf)", "middleeasteye.net": "Middle East Eye",
    "timesofisrael.com": "The Times of Israel", "haaretz.com": "Haaretz", "jpost.com": "The Jerusalem Post",
    "thenational.ae": "The National", "gulfnews.com": "Gulf News", "hurriyetdailynews.com": "Hürriyet Daily News",
    "dw.com": "Deutsche Welle", "euronews.com": "Euronews", "irna.ir": "IRNA", "tasnimnews.com": "Tasnim",
    "farsnews.ir": "Fars News", "presstv.net": "Press TV", "syriahr.com": "Syrian Observatory for Human Rights",
    "xinhuanet.com": "Xinhua", "news.xinhuanet.com": "Xinhua", "news.cn": "Xinhua",
}  # fmt: skip

# Names (and common variants) -> canonical facet value. Keys are casefolded, punctuation-free.
_ALIASES: dict[str, str] = {
    "reuters": "Reuters", "reuters uk": "Reuters", "reuters com": "Reuters", "thomson reuters": "Reuters",
    "rt": "RT", "russia today": "RT", "rt com": "RT", "rt news": "RT", "rt international": "RT",
    "press tv": "Press TV", "presstv": "Press TV",
    "al jazeera": "Al Jazeera", "aljazeera": "Al Jazeera", "al jazeera english": "Al Jazeera",
    "bbc": "BBC", "bbc news": "BBC", "bbc com": "BBC", "bbc co uk": "BBC",
    "ap": "AP", "associated press": "AP", "the associated press": "AP",
    "afp": "AFP", "agence france presse": "AFP", "agence france-presse": "AFP",
    "cnn": "CNN", "cnn com": "CNN", "cnn international": "CNN",
    "sputnik": "Sputnik", "sputnik news": "Sputnik", "sputnik international": "Sputnik",
    "tass": "TASS", "sana": "SANA", "syrian arab news agency": "SANA",
    "the new arab": "The New Arab", "the new arab al araby al jadeed": "The New Arab",
    "al araby al jadeed": "The New Arab",
    "al manar": "Al-Manar", "al alam": "Al-Alam", "trt world": "TRT World", "daily sabah": "Daily Sabah",
    "the guardian": "The Guardian", "guardian": "The Guardian",
    "the new york times": "The New York Times", "new york times": "The New York Times",
    "the washington post": "The Washington Post", "washington post": "The Washington Post",
    "al arabiya": "Al Arabiya", "al arabiya english": "Al Arabiya",
}  # fmt: skip

_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go"}
_URL_IN_TEXT = re.compile(r"\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:/\S*)?", re.IGNORECASE)
# "Press TV’s website", "RT's website can also be accessed": an outlet naming its own site.
_OWN_SITE = re.compile(
    r"\b([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3})(?:['’]s?)\s+(?:website|web ?site|site|app|channel)\b"
    r"(?=[^.]{0,80}\b(?:accessed|visit|available|download|address|follow|subscribe))"
)


def _host(url_or_domain: str) -> str:
    s = url_or_domain.strip().lower()
    if "//" not in s:
        s = "//" + s
    host = urlsplit(s).hostname or ""
    return host.removeprefix("www.").rstrip(".")


def registrable_domain(url_or_domain: str) -> str | None:
    """The last two labels, or three under a second-level suffix (bbc.co.uk, ahram.org.eg)."""
    host = _host(url_or_domain)
    if not host or "." not in host:
        return None
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def outlet_from_domain(url_or_domain: str | None) -> str | None:
    """The outlet a URL or domain belongs to: the known table first, then the registrable domain."""
    if not url_or_domain:
        return None
    host = _host(url_or_domain)
    if not host:
        return None
    labels = host.split(".")
    for i in range(len(labels) - 1):  # most specific known suffix wins (english.almanar.com.lb, then almanar.com.lb)
        name = _DOMAINS.get(".".join(labels[i:]))
        if name:
            return name
    return registrable_domain(host)


def outlet_from_text(text: str) -> str | None:
    """The outlet when the text signs itself (its own website, a URL of a known outlet); else None."""
    if not text:
        return None
    for m in _OWN_SITE.finditer(text):
        name = normalise_outlet(m.group(1))
        if name in _DOMAINS.values() or name in _ALIASES.values():
            return name
    for m in _URL_IN_TEXT.finditer(text):
        host = m.group(1).lower()
        labels = host.removeprefix("www.").split(".")
        for i in range(len(labels) - 1):
            name = _DOMAINS.get(".".join(labels[i:]))
            if name:
                return name
    return None


def normalise_outlet(name: str) -> str:
    """One facet value per outlet: known aliases and domains map to the canonical name; others are tidied only."""
    if not name:
        return name
    clean = " ".join(name.replace("\u00a0", " ").split()).strip(" -|·•")
    if re.fullmatch(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?", clean, re.IGNORECASE):
        by_domain = outlet_from_domain(clean)
        if by_domain and _host(clean) and by_domain != registrable_domain(clean):
            return by_domain
        return (registrable_domain(clean) or clean).lower()
    key = re.sub(r"[^\w ]+", " ", clean.casefold().replace("’", "'").replace("'s", ""))
    key = " ".join(key.split())
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("the ") and key[4:] in _ALIASES:
        return _ALIASES[key[4:]]
    if clean.isupper() and len(clean) > 5:  # "REUTERS" is handled above; "DAILY SABAH" -> "Daily Sabah"
        clean = clean.title()
    return clean
