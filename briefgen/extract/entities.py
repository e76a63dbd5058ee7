"""Actors and places: a gazetteer plus a few capitalised-name patterns.

Countries, regions that act as parties, and organisations come from the
gazetteer (demonyms count for their country: "Azerbaijani troops" names
Azerbaijan). People are found by title ("spokesman Artsrun Hovhannisyan");
places by "the X region" and capitals.
"""

from __future__ import annotations

import re

from ..models import Article, Entity
from .gazetteer import gazetteer_mentions

# The lookaheads say which letter a match starts with: a cheap test that lets the
# engine skip most positions of a long text.
_PERSON_TITLE = re.compile(
    r"(?=[A-Zm]|(?i:s))\b(?:(?i:spokes(?:man|woman|person))|President|Prime Minister|Minister|minister|General|Gen\.|"
    r"Colonel|Col\.|Captain|Capt\.|Sgt\.|Officer|Chief|Mayor|Governor|Gov\.|Sen\.|Senator|Rep\.|"
    r"Judge|Pope|King|Queen|Dr\.|Mr\.|Mrs\.|Ms\.|Secretary-General|Secretary)\s+"
    r"(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2})"
)
_REGION = re.compile(r"(?=[A-Zt])\b(?:the\s+)?(?P<name>(?:[A-Z][\w'’-]+\s+){1,3})(?:region|province|district|oblast)\b")
_ORG_SUFFIX = re.compile(
    r"(?=[A-Z])\b(?P<name>(?:[A-Z][\w'’-]+\s+){1,4}(?:Group|Council|Organization|Organisation|Union|Alliance|"
    r"Front|Brigade|Brigades|Movement|Party|Army|Committee|Agency|Commission))\b"
)
# Each pattern above needs one of these words (case-sensitive, as the patterns are):
# a text without them cannot match and is not scanned.
_REGION_WORDS = ("region", "province", "district", "oblast")
_ORG_WORDS = ("Group", "Council", "Organization", "Organisation", "Union", "Alliance", "Front", "Brigade",
              "Movement", "Party", "Army", "Committee", "Agency", "Commission")


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


# states that no longer exist are history, not actors ("the 1991 collapse of the Soviet Union")
_FORMER_STATES = frozenset({"Soviet Union", "Ottoman Empire", "Austro-Hungarian Empire"})
_NOT_PERSON_START = re.compile(r"^(?:The|A|An|In|On|At|But|And|If|When|As)\b")


def _add(bucket: dict[tuple[str, str], set[str]], name: str, kind: str, article_id: str) -> None:
    bucket.setdefault((name, kind), set()).add(article_id)


def extract_entities(articles: list[Article]) -> tuple[list[Entity], list[Entity]]:
    """(actors, places) named in the articles, each with the articles naming it."""
    actors: dict[tuple[str, str], set[str]] = {}
    places: dict[tuple[str, str], set[str]] = {}
    for article in articles:
        text = article.text.replace("``", '"').replace("''", '"')
        for _, name, kind in gazetteer_mentions(text):
            if kind == "place":
                _add(places, name, "place", article.id)
            elif kind == "group":
                # a region that acts as a party: both an actor and a place
                _add(actors, name, "group", article.id)
                _add(places, name, "place", article.id)
            else:
                _add(actors, name, kind, article.id)
        for match in _PERSON_TITLE.finditer(text):
            name = match.group("name")
            if not _NOT_PERSON_START.match(name):
                _add(actors, name, "person", article.id)
        for match in _ORG_SUFFIX.finditer(text) if _holds_any(text, _ORG_WORDS) else ():
            name = re.sub(r"^(?:The|A|An)\s+", "", match.group("name")).strip()
            if name in _FORMER_STATES or (name, "country") in actors:
                continue
            if len(name.split()) >= 2 and (name, "organization") not in actors:
                _add(actors, name, "organization", article.id)
        for match in _REGION.finditer(text) if _holds_any(text, _REGION_WORDS) else ():
            name = match.group("name").strip()
            known = gazetteer_mentions(name)
            if known:
                continue  # already recorded under its canonical name
            if not re.match(r"(?:The|This|That|A|An|In)$", name.split()[0]):
                _add(places, name, "place", article.id)
    return _entities(_merge_names(actors)), _entities(places)


def _merge_names(bucket: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], set[str]]:
    """Fold an organisation name into a longer one that contains it ("Minsk Group")."""
    merged: dict[tuple[str, str], set[str]] = {}
    names = sorted(bucket, key=lambda k: (-len(k[0]), k))
    for name, kind in names:
        target = next(
            (other for other in merged if other[1] == kind and kind == "organization" and name in other[0]),
            None,
        )
        if target:
            merged[target] |= bucket[(name, kind)]
        else:
            merged[(name, kind)] = set(bucket[(name, kind)])
    return merged


def _entities(bucket: dict[tuple[str, str], set[str]]) -> list[Entity]:
    entities = [Entity(name=name, kind=kind, articles=sorted(ids)) for (name, kind), ids in bucket.items()]
    return sorted(entities, key=lambda e: (-len(e.articles), e.name, e.kind))
