"""Who says so: attribution phrases ("police said", "according to the ministry").

Shared by the figure and claim rules. Reporters are also reduced to a *party key*
(the side or body they speak for) so that differently worded mentions of the same
source ("officials in Nagorno-Karabakh", "Karabakh's defense ministry") compare equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .gazetteer import place_key, places_in
from .numbers import factored

# factored on shared letters (same matches, see ``factored``): searched in every sentence
SPEECH_VERBS = factored([
    "said", "says", "say", "told", "tells", "reported", "reports", "confirmed", "confirms", "announced",
    "announces", "claimed", "claims", "stated", "states", "added", "adds", "noted", "estimated", "estimates",
    "insisted", "warned", "accused", "accuses", "denied", "denies", "alleged", "alleges", "explained", "wrote",
    "testified",
])
_AUTHORITY = re.compile(
    r"\b(?:police|officials?|authorities|ministry|minister|spokes(?:man|woman|person)|army|"
    r"military|government|sheriff|department|office|agency|officers?|chief|coroner|"
    r"commander|president|witness(?:es)?|residents?|hospital|doctors?|medics?|"
    r"rescuers?|investigators?|prosecutors?|media|news|agency|television|radio|group|"
    r"rebels?|separatists?|forces|statement|source|sources|observatory|monitors?|"
    r"red cross|red crescent|united nations|un|ngo|council|committee|service|command)\b",
    re.IGNORECASE,
)
_PRONOUNS = frozenset({"it", "he", "she", "they", "we", "i", "you", "this", "that"})

# ", Karabakh's defense ministry said" / "Police said" / "“…,” said Armenian Defense Ministry spokesman X"
_WHO_BEFORE = re.compile(
    rf"(?:^|[,;:(]\s*|[\"”’']\s*|''\s*|\.\s+)"
    rf"(?P<who>[^,;:()\"“”]{{2,90}}?)\s+(?:also\s+|later\s+|previously\s+|had\s+|has\s+|have\s+)?"
    rf"(?P<verb>{SPEECH_VERBS})\b",
)
_WHO_AFTER = re.compile(
    r"\b(?:said|says|according\s+to|reported\s+by|told\s+by|confirmed\s+by|citing)\s+"
    r"(?P<who>(?:the\s+)?[A-Z][^,;:.()\"“”]{1,80})"
)


_QUOTES = re.compile(r"^[\s`'\"“‘”’]+|[\s`'\"“‘”’]+$")
_CONJUNCTION = re.compile(r"^(?:and|but|while|as|which|who|that)\s+", re.IGNORECASE)
_CLAUSE_BEFORE = re.compile(r"\s+(?:that|which|because|when|after|as)\s+")
_CLAUSE_AFTER = re.compile(r"\s+(?:on|in|at|that|who|after|as|when)\s+(?=[a-z])")
_DOCUMENT = re.compile(r"(?i)(?:the\s+)?(?:statement|report)$")
_NOT_A_NAME = re.compile(r"\b(?:was|were|is|are|killed|died|has|have)\b")


def _clean(who: str) -> str:
    who = _QUOTES.sub("", who)
    who = _CONJUNCTION.sub("", who)
    return " ".join(who.split())


def _plausible(who: str) -> bool:
    words = who.split()
    if not words or len(words) > 12:
        return False
    if who.lower() in _PRONOUNS:
        return True
    if _AUTHORITY.search(who):
        return True
    # a name: at least one capitalised word that is not sentence-initial filler
    return any(w[:1].isupper() for w in words) and not _NOT_A_NAME.search(who)


_SPEECH_HINT = re.compile(
    r"sa(?:id|ys?)\b|told|tells|report|confirm|announc|claim|stat|add|note|estimat|insist|warn|accus|"
    r"den(?:ied|ies)|alleg|explain|wrote|testif|according|citing"
)


@lru_cache(maxsize=4096)  # figures and claims both ask about the same sentences
def find_reporter(sentence: str) -> str | None:
    """The source a sentence attributes itself to, or None.

    Pronouns ("it said") are returned as written so the caller can resolve them
    against earlier sentences.
    """
    if not _SPEECH_HINT.search(sentence.lower()):
        return None
    # candidates in order, phrases before the verb first: the first named one wins,
    # so the search stops there; failing that, the first pronoun
    pronoun: str | None = None
    for match in _WHO_BEFORE.finditer(sentence):
        who = _clean(match.group("who"))
        # keep only the tail noun phrase: "... in action on Monday, X" -> X
        who = _CLAUSE_BEFORE.split(who)[-1]
        if _plausible(who) and not _DOCUMENT.match(who):
            if who.lower() not in _PRONOUNS:
                return who
            pronoun = pronoun or who
    for match in _WHO_AFTER.finditer(sentence):
        who = _clean(match.group("who"))
        who = _CLAUSE_AFTER.split(who)[0]
        if _plausible(who):
            if who.lower() not in _PRONOUNS:
                return who
            pronoun = pronoun or who
    return pronoun


def is_pronoun(who: str | None) -> bool:
    return bool(who) and who.lower() in _PRONOUNS


_INDEPENDENT = re.compile(
    r"\b(?:united nations|u\.?n\.?|red cross|red crescent|amnesty|human rights watch|"
    r"monitor(?:s|ing)?|observatory|osce|who|unicef|unhcr|ocha|independent|"
    r"médecins|doctors without borders|ngo|journalists?)\b",
    re.IGNORECASE,
)
_PARTY = re.compile(
    r"\b(?:ministry|minister|army|military|government|forces|rebels?|separatists?|"
    r"militants?|troops|commander|spokes(?:man|woman|person)|president|officials?|"
    r"authorities|defen[cs]e|insurgents?|junta|regime)\b",
    re.IGNORECASE,
)


def reporter_type(who: str | None) -> str | None:
    """'independent' or 'party' only when the wording makes it plain, else None."""
    if not who:
        return None
    if _INDEPENDENT.search(who):
        return "independent"
    if _PARTY.search(who) and (places_in(who) or re.search(
        r"(?i)\b(?:ministry|army|military|forces|rebels?|separatists?|militants?|troops)\b", who
    )):
        return "party"
    return None


_SIDE_WORDS = {
    "rebel": "rebels", "rebels": "rebels", "separatist": "rebels", "separatists": "rebels",
    "police": "police", "sheriff": "police", "coroner": "coroner",
    "hospital": "hospital", "doctors": "hospital", "medics": "hospital",
}


def party_key(who: str | None) -> tuple[str | None, bool]:
    """The side or body a reporter speaks for, and whether that is certain.

    A named place decides (strong): the most specific one wins
    (``officials in Azerbaijan's breakaway Nagorno-Karabakh region`` ->
    ``nagorno-karabakh``), since a possessive place only contains the other.
    Independent bodies are strong too. Generic bodies without a place ("the
    rebels", "police") are weak: the same words can stand for a named side the
    other reports spell out. No recognisable source gives (None, False).
    """
    if not who:
        return None, False
    found = places_in(who)
    if found:
        plain = [p for p in found if not p[1]]
        name = (plain or found)[-1][0]
        return place_key(name), True
    independent = _INDEPENDENT.search(who)
    if independent:
        return re.sub(r"\W+", " ", independent.group().lower()).strip(), True
    for word in re.findall(r"[a-z]+", who.lower()):
        if word in _SIDE_WORDS:
            return _SIDE_WORDS[word], False
    return None, False
