"""Small word lists: countries, demonyms, capitals, regions, organisations.

A gazetteer is enough for conflict news: the actors are few and named the same
way across reports. Each name maps to a canonical form so that "Azerbaijani",
"Baku" and "Azerbaijan" can be recognised as the same side.
"""

from __future__ import annotations

import re

COUNTRIES = """Afghanistan|Albania|Algeria|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|
Bahrain|Bangladesh|Belarus|Belgium|Bolivia|Bosnia|Brazil|Bulgaria|Burkina Faso|Burma|Burundi|Cambodia|
Cameroon|Canada|Central African Republic|Chad|Chile|China|Colombia|Congo|Croatia|Cuba|Cyprus|
Czech Republic|Denmark|Djibouti|Ecuador|Egypt|Eritrea|Estonia|Ethiopia|Finland|France|Georgia|Germany|
Ghana|Greece|Guatemala|Guinea|Haiti|Honduras|Hungary|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|
Ivory Coast|Japan|Jordan|Kazakhstan|Kenya|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Liberia|Libya|
Lithuania|Macedonia|Malaysia|Mali|Mauritania|Mexico|Moldova|Mongolia|Montenegro|Morocco|Mozambique|
Myanmar|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|North Korea|Norway|Oman|Pakistan|
Palestine|Panama|Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saudi Arabia|Senegal|
Serbia|Sierra Leone|Slovakia|Slovenia|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|
Sudan|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Tunisia|Turkey|Turkmenistan|Uganda|
Ukraine|United Arab Emirates|United Kingdom|United States|Uruguay|Uzbekistan|Venezuela|Vietnam|Yemen|
Zambia|Zimbabwe|Britain|England|Scotland|Wales|America""".replace("\n", "").split("|")

# demonym or adjective -> country
DEMONYMS = {
    "Afghan": "Afghanistan", "Albanian": "Albania", "Algerian": "Algeria", "American": "United States",
    "Armenian": "Armenia", "Australian": "Australia", "Azerbaijani": "Azerbaijan", "Azeri": "Azerbaijan",
    "Belarusian": "Belarus", "Belgian": "Belgium", "Brazilian": "Brazil", "British": "United Kingdom",
    "Briton": "United Kingdom", "Canadian": "Canada", "Chinese": "China", "Colombian": "Colombia",
    "Congolese": "Congo", "Cuban": "Cuba", "Egyptian": "Egypt", "English": "United Kingdom",
    "Ethiopian": "Ethiopia", "French": "France", "Georgian": "Georgia", "German": "Germany",
    "Greek": "Greece", "Indian": "India", "Indonesian": "Indonesia", "Iranian": "Iran", "Iraqi": "Iraq",
    "Irish": "Ireland", "Israeli": "Israel", "Italian": "Italy", "Japanese": "Japan", "Jordanian": "Jordan",
    "Kenyan": "Kenya", "Kurdish": "Kurds", "Lebanese": "Lebanon", "Libyan": "Libya", "Malian": "Mali",
    "Mexican": "Mexico", "Moroccan": "Morocco", "Nigerian": "Nigeria", "Pakistani": "Pakistan",
    "Palestinian": "Palestine", "Filipino": "Philippines", "Polish": "Poland", "Russian": "Russia",
    "Saudi": "Saudi Arabia", "Serbian": "Serbia", "Somali": "Somalia", "Spanish": "Spain",
    "Sudanese": "Sudan", "Swedish": "Sweden", "Syrian": "Syria", "Turkish": "Turkey",
    "Ukrainian": "Ukraine", "Uzbek": "Uzbekistan", "Venezuelan": "Venezuela", "Yemeni": "Yemen",
    "Gazan": "Gaza",
}
CAPITALS = {
    "Baku": "Azerbaijan", "Yerevan": "Armenia", "Moscow": "Russia", "Ankara": "Turkey",
    "Paris": "France", "Washington": "United States", "London": "United Kingdom", "Kiev": "Ukraine",
    "Kyiv": "Ukraine", "Damascus": "Syria", "Baghdad": "Iraq", "Tehran": "Iran", "Kabul": "Afghanistan",
    "Beirut": "Lebanon", "Jerusalem": "Israel", "Cairo": "Egypt", "Tripoli": "Libya", "Khartoum": "Sudan",
    "Juba": "South Sudan", "Tbilisi": "Georgia", "Islamabad": "Pakistan", "New Delhi": "India",
    "Beijing": "China", "Berlin": "Germany", "Jakarta": "Indonesia", "Athens": "Greece",
    "Stepanakert": "Nagorno-Karabakh", "Mogadishu": "Somalia", "Sanaa": "Yemen", "Kinshasa": "Congo",
}
# regions that act as parties in conflict news; aliases -> canonical name
REGIONS = {
    "Nagorno-Karabakh": "Nagorno-Karabakh", "Nagorno Karabakh": "Nagorno-Karabakh",
    "Nagorny Karabakh": "Nagorno-Karabakh", "Nagorny-Karabakh": "Nagorno-Karabakh",
    "Karabakh": "Nagorno-Karabakh", "Artsakh": "Nagorno-Karabakh",
    "Gaza Strip": "Gaza", "Gaza": "Gaza", "West Bank": "West Bank", "Crimea": "Crimea",
    "Donbas": "Donbas", "Donbass": "Donbas", "Kashmir": "Kashmir", "Darfur": "Darfur",
    "Kurdistan": "Kurdistan", "Chechnya": "Chechnya", "Abkhazia": "Abkhazia",
    "South Ossetia": "South Ossetia", "Tigray": "Tigray", "Aceh": "Aceh", "Papua": "Papua",
}
ORGANIZATIONS = {
    "United Nations": "United Nations", "UN": "United Nations", "U.N.": "United Nations",
    "NATO": "NATO", "European Union": "European Union", "EU": "European Union",
    "Red Cross": "Red Cross", "Red Crescent": "Red Crescent", "Minsk Group": "Minsk Group",
    "OSCE": "OSCE", "African Union": "African Union", "Amnesty International": "Amnesty International",
    "Human Rights Watch": "Human Rights Watch", "Security Council": "UN Security Council",
    "Hamas": "Hamas", "Hezbollah": "Hezbollah", "Taliban": "Taliban", "al-Qaeda": "al-Qaeda",
    "Islamic State": "Islamic State", "ISIS": "Islamic State", "UNICEF": "UNICEF", "UNHCR": "UNHCR",
    "World Health Organization": "World Health Organization", "Kremlin": "Russia",
    "Pentagon": "United States", "White House": "United States", "State Department": "United States",
    "Associated Press": "Associated Press", "Reuters": "Reuters", "AFP": "AFP",
}
_NEWS_AGENCIES = {"Associated Press", "Reuters", "AFP"}


def _alternation(names) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _initials(names) -> str:
    """A lookahead for the names' first letters: a cheap test that lets the engine
    skip most positions before trying hundreds of alternatives there."""
    return "(?=[" + "".join(sorted({re.escape(n[0]) for n in names})) + "])"


_PLACE_NAMES = list(COUNTRIES) + list(CAPITALS) + list(REGIONS) + list(DEMONYMS)
_PLACE_RE = re.compile(
    rf"{_initials(_PLACE_NAMES)}(?<![\w-])(?P<name>{_alternation(_PLACE_NAMES)})"
    r"(?:s|ns)?(?P<poss>['’]s)?(?![\w-])"
)
_ORG_RE = re.compile(rf"{_initials(ORGANIZATIONS)}(?<![\w-])(?P<name>{_alternation(ORGANIZATIONS)})(?![\w-])")


def canonical(name: str) -> tuple[str, str]:
    """(canonical name, kind) for a gazetteer name: kind is country/place/region/organization."""
    if name in REGIONS:
        return REGIONS[name], "region"
    if name in DEMONYMS:
        target = DEMONYMS[name]
        return target, ("region" if target in REGIONS.values() else "country")
    if name in CAPITALS:
        return name, "place"
    if name in ORGANIZATIONS:
        target = ORGANIZATIONS[name]
        return target, ("country" if target in COUNTRIES else "organization")
    return ("United States" if name == "America" else name), "country"


def places_in(text: str) -> list[tuple[str, bool]]:
    """Named countries, regions, capitals and demonyms in order: (name, possessive)."""
    return [(m.group("name"), bool(m.group("poss"))) for m in _PLACE_RE.finditer(text)]


def place_key(name: str) -> str:
    """The side a place name stands for: a capital or demonym counts as its country."""
    if name in CAPITALS:
        target = CAPITALS[name]
        return REGIONS.get(target, target).lower()
    canon, _ = canonical(name)
    return canon.lower()


def gazetteer_mentions(text: str) -> list[tuple[int, str, str]]:
    """(offset, canonical name, entity kind) of every gazetteer name in text."""
    found: list[tuple[int, str, str]] = []
    for match in _PLACE_RE.finditer(text):
        canon, kind = canonical(match.group("name"))
        if match.group("name") in CAPITALS:
            found.append((match.start(), canon, "place"))
        elif kind == "region":
            found.append((match.start(), canon, "place" if canon in ("Aceh", "Papua") else "group"))
        else:
            found.append((match.start(), canon, "country"))
    for match in _ORG_RE.finditer(text):
        canon, kind = canonical(match.group("name"))
        if canon in _NEWS_AGENCIES:
            continue
        found.append((match.start(), canon, kind))
    return sorted(found)
