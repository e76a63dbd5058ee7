"""Casualty patterns: which numbers in a sentence are counts of killed, injured, missing, displaced or arrested people.

Hand-written patterns over one sentence at a time. A figure needs a number (digits,
number words, or a singular "a man") tied to a casualty word by a grammatical
pattern (subject + passive verb, verb + object, "N dead", "toll rose to N");
numbers that are ages, years, times, money, percentages or measures are masked
before matching so they can never become figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .lazy import LazyPattern
from .numbers import (
    NUMBER,
    NUMBER_START,
    QUALIFIER,
    factored,
    parse_number,
    qualifier_label,
)

_SINGULAR_NOUNS = (
    r"person|man|woman|boy|girl|child|kid|baby|infant|toddler|teen|teenager|youth|student|"
    r"soldier|serviceman|officer|policeman|policewoman|cop|deputy|sergeant|trooper|guard|"
    r"civilian|fighter|militant|rebel|gunman|attacker|suspect|bystander|pedestrian|driver|"
    r"passenger|resident|victim|worker|employee|customer|patient|climber|tourist|journalist|"
    r"reporter|photographer|doctor|nurse|mother|father|mom|dad|son|daughter|brother|sister|"
    r"husband|wife|grandmother|grandfather|grandson|granddaughter|cousin|relative|friend|"
    r"neighbor|neighbour|pastor|priest|teacher|protester|demonstrator|member|individual|adult|"
    r"male|female|senior|resident|villager|farmer|fisherman|miner|pilot|sailor|marine|"
    r"peacekeeper|commander|leader|official|hostage|prisoner|inmate|worshipper|pilgrim|shopper|"
    r"student|schoolboy|schoolgirl|newborn|juvenile|minor|colleague|citizen|national|survivor|"
    r"security guard|firefighter|paramedic|motorist|cyclist|jogger|homeowner|tenant|occupant"
)
_PLURAL_NOUNS = (
    r"people|persons|men|women|boys|girls|children|kids|babies|infants|toddlers|teens|"
    r"teenagers|youths|students|soldiers|servicemen|troops|officers|policemen|cops|deputies|"
    r"civilians|fighters|militants|rebels|separatists|gunmen|insurgents|attackers|suspects|"
    r"bystanders|pedestrians|drivers|passengers|residents|victims|workers|employees|customers|"
    r"patients|climbers|tourists|journalists|reporters|doctors|nurses|mothers|fathers|sons|"
    r"daughters|brothers|sisters|cousins|relatives|friends|neighbors|neighbours|protesters|"
    r"demonstrators|rioters|members|individuals|adults|males|females|seniors|villagers|"
    r"farmers|fishermen|miners|pilots|sailors|marines|peacekeepers|commanders|leaders|"
    r"officials|hostages|prisoners|inmates|worshippers|pilgrims|shoppers|schoolchildren|"
    r"citizens|nationals|others|other|staff|personnel|guards|firefighters|paramedics|"
    r"motorists|casualties|survivors|family members|occupants|combatants|refugees"
)


PERSON_SINGULAR = factored(_SINGULAR_NOUNS.split("|"))
# nationalities ("Palestinians") after the listed nouns, as capitalised plurals
PERSON_PLURAL = factored(_PLURAL_NOUNS.split("|")) + r"|(?-i:[A-Z][a-z]+(?:ans|ians|is|ese|ns|ites))"
PERSON = rf"(?:{PERSON_PLURAL}|{PERSON_SINGULAR}|[\w-]*(?:year|month|week)-olds?)"

KILL_STATE = (
    r"killed|dead|died|slain|murdered|executed|massacred|assassinated|perished|beheaded|"
    r"shot dead|shot to death|stabbed to death|beaten to death|burned to death|crushed to death|"
    r"(?:shot|stabbed|struck|hit|run over|beaten|attacked|gunned down) and killed|gunned down|"
    r"fatally (?:shot|stabbed|struck|hit|wounded|injured|hurt|beaten)|lost (?:their|his|her) lives?|"
    r"confirmed dead|presumed dead|feared dead|found dead|pronounced dead|declared dead|"
    r"fatally shot|shot (?:and|to) death|(?:fallen|fell|plunged) to (?:their|his|her) deaths?|"
    r"among the dead|drowned|electrocuted|"
    r"(?:shot|wounded|stabbed|hit|struck)(?:\s+[\w-]+){0,4}?\s+and\s+(?:later\s+)?died"
)
INJURE_STATE = (
    r"wounded|injured|hurt|hospitali[sz]ed|maimed|(?:seriously|critically|severely|slightly) (?:hurt|injured|wounded)|"
    r"(?:shot|struck|hit) and (?:wounded|injured)|treated for (?:\w+ )?(?:injuries|wounds)|"
    r"(?:suffered|sustained|received|got|suffering)\s+(?:from\s+)?(?:[\w-]+\s+){0,4}?(?:injuries|wounds?|injury)|"
    r"recovering\s+(?:from\s+(?:[\w-]+\s+){0,4}?(?:wounds?|injuries|injury)|after\s+(?:being\s+)?(?:shot|wounded|hit|struck))|"
    r"(?:hit|struck)\s+(?:during|in)\s+the\s+(?:shooting|gunfire|crossfire)|"
    r"with (?:[\w-]+ )?(?:injuries|wounds|gunshot wounds?)|(?:shot|grazed|struck|hit|wounded) in the \w+|"
    r"(?:struck|hit|grazed) by (?:an? )?(?:stray )?(?:bullets?|gunfire|gunshots?|rounds?)|grazed|"
    r"in (?:critical|serious|stable|fair|good|grave) condition|shot|"
    r"among the (?:injured|wounded)"
)
MISSING_STATE = r"missing|unaccounted for"
DISPLACED_STATE = r"displaced|made homeless|left homeless|homeless|evacuated|forced to flee|fled (?:their|his|her) homes"
ARREST_STATE = r"arrested|detained|taken into custody|in custody|under arrest|apprehended|captured|rounded up"

_STATE = rf"(?P<state>{KILL_STATE}|{INJURE_STATE}|{MISSING_STATE}|{DISPLACED_STATE}|{ARREST_STATE})"
_AUX = (
    r"(?:(?:were|was|are|is|have|has|had|been|being|be|got|get|reportedly|also|all|later|"
    r"allegedly|believed|confirmed|thought|feared|presumed|now|subsequently|both|each|initially|"
    r"tragically|so far|since|already|still|then|ever|just|found|left|being|to|said to|"
    r"reported|listed as|described as|(?!(?:critically|seriously|severely|slightly|fatally)\b)\w+ly)\s+){0,6}"
)
_Q = rf"(?:(?P<qual>{QUALIFIER})\s+)?"
_NUM = rf"(?P<num>{NUMBER})"
_SINGLE = r"(?P<single>\b(?:an?|one|another|a second|a third)\b)"
# up to four modifier words before the person noun ("separatist", "66-year-old Burnsville")
_MODS = (
    r"(?:(?!(?:who|which|that|where|whose|were|was|is|are|have|has|had|and|or|in|on|at|by|with|from|to|of|for|"
    r"after|as|when|while|killed|died|dead|injured|wounded|said)\b)[\w'’.-]+\s+){0,4}?"
)
_TAIL = r"(?:\s+(?:of|from|in)\s+(?!\w+ing\b)[^,.;:()]{1,45}?)?(?:\s*,[^;.]{1,120}?,|\s*,)?"
_END = r"(?=\s*(?:[,.;:!?)\"”’'`]|$|and\b|or\b|in\b|on\b|at\b|of\b|as\b|after\b|when\b|during\b|since\b|including\b|while\b|near\b|inside\b|outside\b|across\b|over\b|with\b|by\b|last\b|this\b|early\b|late\b|[A-Z]))"


@dataclass(frozen=True)
class Match:
    """One number tied to one casualty kind inside a sentence."""

    kind: str
    value: int
    start: int
    end: int
    qualifier: str | None
    noun: str | None
    toll: str | None  # the toll phrase for cumulative counts ("military death toll")
    ends_with_noun: bool = False  # "lost seven soldiers": a list may continue the count
    gunshot: bool = False  # counted as "shot": victims of gunfire, the dead among them perhaps


_KIND_WORDS = [(kind, re.compile(pattern)) for kind, pattern in (
    ("killed", r"fatal|kill|dead|death|died|die\b|slain|murder|execut|massacr|assassin|perish|behead|"
               r"lives|bod(?:y|ies)|gunned down|drown|electrocut|homicide"),
    ("injured", r"wound|injur|hurt|hospitali|maim|grazed|shot|bullet|gunfire|condition|\bhit\b|struck"),
    ("missing", r"missing|unaccounted"),
    ("displaced", r"displac|homeless|evacuat|flee|fled"),
    ("arrested", r"arrest|detain|custody|apprehend|captur|rounded up"),
)]


@lru_cache(maxsize=1024)
def kind_of(word: str) -> str | None:
    """The casualty kind a verb, state or noun expresses."""
    w = word.lower()
    for kind, pattern in _KIND_WORDS:
        if pattern.search(w):
            return kind
    return None


_RULES: list[tuple[str, LazyPattern]] = [
    # "a boy who was shot in the face has died": the main verb decides, not the relative clause
    ("died-later", LazyPattern(
        rf"(?<![\w-])(?:{_Q}{_NUM}|(?P<single>\b(?:an?|one|another|the|his|her|their)\b))\s+{_MODS}"
        rf"(?P<noun>{PERSON})\s+(?:who|that)\s+[^,.;]{{1,90}}?\s+(?:has|have|had|later|since)\s+"
        rf"(?:later\s+|since\s+)?(?P<state>died|succumbed|been pronounced dead|been declared dead)\b", re.IGNORECASE)),
    ("shot-then-died", LazyPattern(
        rf"(?<![\w-])(?:{_Q}{_NUM}|{_SINGLE})\s+{_MODS}(?P<noun>{PERSON})\s+(?:who\s+was\s+|believed\s+to\s+have\s+"
        rf"(?:\w+ly\s+)?)?(?:shot|wounded|injured|hit|struck)\b[^,.;]{{1,90}}?\s+(?:has\s+|had\s+|later\s+)?"
        rf"(?P<state>died)\b", re.IGNORECASE)),
    # "the boy was pronounced dead", "his wife was killed": a definite singular victim is one person
    # "12 people were killed", "Twenty-seven separatist fighters died", "A woman has died"
    ("subject", LazyPattern(
        rf"(?<![\w-])(?:{_Q}{_NUM}|{_SINGLE})\s+{_MODS}(?P<noun>{PERSON})\b{_TAIL}\s*[”\"'’]*\s*"
        rf"(?:(?:who|that)\s+)?{_AUX}{_STATE}\b", re.IGNORECASE)),
    ("definite-subject", LazyPattern(
        rf"(?<![\w-])(?P<single>\b(?:the|his|her|their)\b)\s+{_MODS}(?P<noun>{PERSON_SINGULAR}|[\w-]*year-old)\b"
        rf"\s+(?:(?:was|is|has|had)\s+){{1,2}}(?:\w+ly\s+)?(?:been\s+)?{_STATE}\b", re.IGNORECASE)),
    ("pronoun-subject", LazyPattern(
        r"\b(?P<single>he|she)\s+(?:(?:was|has been|had been)\s+(?:later\s+)?(?P<state>killed|fatally shot|"
        r"shot and killed|shot to death|pronounced dead|declared dead)|(?:later\s+|has\s+|had\s+)(?P<state2>died))\b",
        re.IGNORECASE)),
    ("self-fatal", LazyPattern(r"\b(?:accidentally\s+)?(?P<state>fatally\s+shot|shot\s+and\s+killed|killed)\s+"
                              r"(?P<single>himself|herself)\b", re.IGNORECASE)),
    ("self", LazyPattern(r"\b(?:accidentally\s+)?(?P<state>shot|wounded|injured)\s+(?P<single>himself|herself)\b",
                        re.IGNORECASE)),
    ("object-definite", LazyPattern(
        rf"\b(?P<verb>kill(?:s|ed|ing)?|murder(?:s|ed|ing)?|wound(?:s|ed|ing)?|injur(?:e|es|ed|ing)|"
        rf"arrest(?:s|ed|ing)?|shot(?!\s+(?:dead|to\s+death))|shoot(?:s|ing)?)\s+"
        rf"(?P<single>\b(?:his|her|their)\b)\s+{_MODS}(?P<noun>{PERSON_SINGULAR}|[\w-]*year-old)\b",
        re.IGNORECASE)),
    # "20 were wounded", "Another four died", "46 were arrested"
    ("bare-subject", LazyPattern(
        rf"(?<![\w-]){_Q}{_NUM}(?:\s+of\s+(?:them|those|the\s+\w+(?:\s+\w+)?))?\s+(?:(?:others?|more)\s+)?"
        rf"(?:were|have|had|are|also|was|has|is|later)\s+{_AUX}{_STATE}\b",
        re.IGNORECASE)),
    ("bare-died", LazyPattern(
        rf"(?<![\w-]){_Q}{_NUM}(?:\s+of\s+(?:them|those|the\s+\w+(?:\s+\w+)?))?\s+(?:(?:others?|more)\s+)?"
        rf"(?:also\s+|later\s+)?(?P<state>died|perished)\b", re.IGNORECASE)),
    # "24 dead", "over 200 injured", "nine civilian deaths", "46 arrests", "40 Palestinians killed"
    ("count-noun", LazyPattern(
        rf"(?<![\w-]){_Q}{_NUM}\s+(?:(?P<noun>{PERSON})\s+)?(?:(?:civilian|military|more|other|confirmed|"
        rf"reported|combat|further|police|security|new|additional)\s+)?"
        rf"(?P<state>dead|killed|deaths|fatalities|wounded|injured|injuries|hurt|missing|arrests|arrested|"
        rf"detained|displaced|lives lost|bodies|shot)\b(?!\s+(?:at|up|into|through|back|and killed|dead))",
        re.IGNORECASE)),
    # "killing four people", "killed a woman", "left four people dead", "injuring at least five"
    ("object", LazyPattern(
        rf"\b(?P<verb>kill(?:s|ed|ing)?|murder(?:s|ed|ing)?|wound(?:s|ed|ing)?|injur(?:e|es|ed|ing)|"
        rf"arrest(?:s|ed|ing)?|detain(?:s|ed|ing)?|displac(?:e|es|ed|ing)|evacuat(?:e|es|ed|ing)|"
        rf"gunn(?:ed|ing) down|shot dead|slaughter(?:s|ed|ing)?|massacr(?:e|es|ed|ing)|"
        rf"shot(?!\s+(?:dead|to\s+death))|shoot(?:s|ing)?)\s+"
        rf"(?:(?P<qual>{QUALIFIER})\s+)?(?:(?P<num>{NUMBER})|{_SINGLE})"
        rf"(?:\s+{_MODS}(?P<noun>{PERSON})\b|{_END})", re.IGNORECASE)),
    ("left", LazyPattern(
        rf"\b(?:left|leaving|leaves|leave)\s+(?:(?P<qual>{QUALIFIER})\s+)?(?:(?P<num>{NUMBER})|{_SINGLE})\s+"
        rf"(?:{_MODS}(?P<noun>{PERSON})\s+)?(?:\w+\s+)?(?P<state>dead|injured|wounded|hurt|missing|homeless)\b",
        re.IGNORECASE)),
    ("lives", LazyPattern(
        rf"\b(?:claim(?:s|ed|ing)?|tak(?:e|es|en|ing)|took|cost(?:s|ing)?|lost)\s+"
        rf"{_Q}{_NUM}\s+(?:\w+\s+)?(?P<state>lives)\b", re.IGNORECASE)),
    ("lives-of", LazyPattern(
        rf"\b(?:claim(?:s|ed|ing)?|tak(?:e|es|en|ing)|took|cost(?:s|ing)?)\s+the\s+lives\s+of\s+"
        rf"{_Q}{_NUM}\b", re.IGNORECASE)),
    ("lost", LazyPattern(
        rf"\b(?:lost|lose|losing)\s+(?:{_Q}{_NUM}|{_SINGLE})\s+{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE)),
    # "the killing of a teenager", "the arrest of a 19-year-old", "the injury of two others"
    ("nominal", LazyPattern(
        rf"\b(?P<state>killing|killings|death|deaths|murder|murders|shooting death|fatal (?:\w+ )?shooting|"
        rf"fatal stabbing|slaying|arrest|arrests|injury|injuries|wounding)\s+of\s+"
        rf"(?:{_Q}{_NUM}|{_SINGLE}|the\s+)\s*{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE)),
    ("nominal-possessive", LazyPattern(
        rf"\b(?P<state>killing|death|murder|shooting death|fatal (?:\w+ )?shooting|slaying)\s+of\s+"
        rf"(?P<single>his|her|their)\s+(?:[\w-]+\s+){{0,2}}?(?P<noun>{PERSON_SINGULAR})\b", re.IGNORECASE)),
    ("among-dead", LazyPattern(
        rf"\b(?:among|included|include|includes)\s+(?:the\s+)?(?P<state>dead|killed|injured|wounded|victims)"
        rf"\s+(?:(?:was|were|are|is)\s+)?(?:{_Q}{_NUM}|{_SINGLE})\s+{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE)),
    ("dead-include", LazyPattern(
        rf"\bthe\s+(?P<state>dead|injured|wounded|victims)\s+(?:included|include|includes|were|are)\s+"
        rf"{_Q}{_NUM}\s+{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE)),
    ("of-the", LazyPattern(
        rf"(?<![\w-]){_Q}{_NUM}\s+of\s+the\s+(?P<state>dead|injured|wounded|killed)\b", re.IGNORECASE)),
    ("whose", LazyPattern(
        rf"{_SINGLE}\s+{_MODS}(?P<noun>{PERSON_SINGULAR}|[\w-]*year-old)\s+whose\s+(?:\w+\s+)?"
        rf"(?P<state>killing|death|murder|slaying)\b", re.IGNORECASE)),
    ("police-killing", LazyPattern(r"\b(?P<single>a|the)\s+police\s+(?P<state>killing)\b(?!\s+of)", re.IGNORECASE)),
    ("treated", LazyPattern(
        rf"\btreat(?:ed|ing|s)?\s+{_Q}{_NUM}\s+{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE)),
    ("body", LazyPattern(
        rf"\b(?:bod(?:y|ies)|remains)\s+of\s+(?:{_Q}{_NUM}|{_SINGLE})\s+{_MODS}(?P<noun>{PERSON})\b",
        re.IGNORECASE)),
    ("victims", LazyPattern(
        rf"(?<![\w-])(?:the\s+)?{_Q}{_NUM}\s+(?P<state>murder|homicide)\s+victims\b",
        re.IGNORECASE)),
]

# Cheap tests on the lower-cased sentence: a rule only runs when its key words occur.
_STATE_HINT = (r"kill|dead|die|death|fatal|slain|murder|execut|massacr|assassin|perish|behead|gunned|drown|"
               r"electrocut|wound|injur|hurt|hospitali|maim|shot|grazed|struck|hit|condition|missing|"
               r"unaccounted|displac|homeless|evacuat|flee|fled|arrest|detain|custody|apprehend|captur|"
               r"rounded up|lives")


class _Hint:
    """A cheap test on the lower-cased sentence: does it contain the hint pattern.

    A hint that is a plain list of words is tested with ``in``, several times
    faster than searching for the same alternation with a regular expression.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        plain = re.fullmatch(r"[a-z ]+(?:\|[a-z ]+)*", pattern) is not None
        self._words = tuple(pattern.split("|")) if plain else None
        self._regex = None if plain else re.compile(pattern)

    def search(self, lowered: str) -> bool:
        if self._words is None:
            return self._regex.search(lowered) is not None
        for word in self._words:
            if word in lowered:
                return True
        return False


# "\bword" is written "word(?<!\w...)" (one dot per letter): the same test, but a
# pattern that starts with a literal is searched for by the engine without trying
# every position.
_RULE_HINTS = {name: _Hint(hint) for name, hint in {
    "died-later": r"died|succumb|pronounced|declared",
    "definite-subject": _STATE_HINT, "subject": _STATE_HINT, "bare-subject": _STATE_HINT,
    "pronoun-subject": r"he(?<!\w..)\b|she(?<!\w...)\b", "self": r"himself|herself", "self-fatal": r"himself|herself",
    "shot-then-died": r"died",
    "object-definite": r"h(?:is(?<!\w...)|er(?<!\w...))\b|their(?<!\w.....)\b", "bare-died": r"died|perished",
    "count-noun": r"dead|kill|death|fatalit|wound|injur|hurt|missing|arrest|detain|displac|lives|bodies|shot",
    "object": r"kill|murder|wound|injur|arrest|detain|displac|evacuat|gunn|shot|shoot|slaughter|massacr",
    "left": r"le(?<!\w..)(?:a?v|ft\b)", "lives": r"lives", "lives-of": r"lives", "lost": r"los(?<!\w...)[te]",
    "nominal-possessive": r"of (?:his|her|their)\b", "among-dead": r"among|includ",
    "dead-include": r"the (?:dead|injured|wounded|victims)", "of-the": r" of the ", "whose": r"whose",
    "police-killing": r"police killing", "treated": r"treat", "body": r"bod(?:y|ies)|remains",
    "victims": r"victims", "nominal": r"of(?<!\w..)\b",
}.items()}
# Rules whose pattern needs a count (digits or a number word), never "a man": skipped
# when the masked sentence holds no number at all.
_NEEDS_COUNT = frozenset({"bare-subject", "bare-died", "count-noun", "lives", "lives-of", "dead-include",
                          "of-the", "treated", "victims"})
_COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand",
                "million")
# a whole word from _COUNT_WORDS ("\bone\b" as "one(?<!\w....)\b", led by its literal), or
# a word ending in "teen" after at least one more word character
_COUNT_WORD = re.compile("|".join(rf"{w}(?<!\w{'.' * len(w)})\b" for w in _COUNT_WORDS))
_TEEN_WORD = re.compile(r"teen(?<=\w....)\b")


def _has_count(lowered: str) -> bool:
    """Does the lower-cased text hold a digit or a number word."""
    return (_HAS_DIGIT.search(lowered) is not None or _TEEN_WORD.search(lowered) is not None
            or _COUNT_WORD.search(lowered) is not None)


_TOLL_HINT = re.compile(r"toll|number of|death count|body count")
_TOLL = LazyPattern(
    rf"(?P<toll>(?:(?:\w+\s+){{0,2}}(?:death|casualty|fatality|injury|civilian|military|total|overall)\s+toll|"
    rf"\btoll|number\s+of\s+(?:\w+\s+){{0,2}}(?:dead|deaths|fatalities|killed|injured|wounded|"
    rf"casualties|victims|missing|arrests|arrested|displaced)|death\s+count|body\s+count))\b"
    rf"[^.;:!?]{{0,100}}?\b(?:to|at|of|above|past|reached|hit|hits|stood at|stands at|is|was|exceeded|"
    rf"passed|near|nears|topped|now)\s+{_Q}{_NUM}(?![\w-])",
    re.IGNORECASE,
)
_TOLL_BEFORE = LazyPattern(
    rf"\b(?:bring|brings|brought|bringing|raise|raises|raised|raising|push|pushed|pushing|take|took|"
    rf"taking)\s+(?:it\s+)?(?:to|above|past)\s+{_Q}{_NUM}\s+(?:the\s+)?(?P<toll>(?:total\s+)?"
    rf"(?:number\s+of\s+(?:\w+\s+){{0,3}}(?:who\s+have\s+been\s+)?(?:killed|dead|deaths|injured|wounded)|"
    rf"(?:death\s+)?toll))",
    re.IGNORECASE,
)
_SUBGROUP = LazyPattern(
    rf",\s*{_Q}{_NUM}\s+(?:of\s+(?:them|whom)\s+)?(?:(?:are|were|remain|remained|in|is)\s+)?"
    rf"(?P<state>critically|seriously|severely|gravely|critical|serious)\b",
    re.IGNORECASE,
)
# "one man was killed and another injured", "one is dead and another is in critical condition"
_ANOTHER = LazyPattern(
    r"\band\s+(?P<single>another|a\s+second|one\s+other)\s+(?:(?:person|man|woman|boy|girl|teen|victim)\s+)?"
    r"(?:(?:is|was|has\s+been|remains|remained)\s+)?(?:(?:\w+ly|also)\s+)?(?P<state>injured|wounded|hurt|shot|"
    r"in\s+(?:critical|serious|stable|fair|good|grave)\s+condition|hospitali[sz]ed|killed|dead|died)\b", re.IGNORECASE)
_FATALLY = LazyPattern(
    rf"[,(]\s*(?:{_Q}{_NUM}|{_SINGLE})(?:\s+of\s+(?:them|whom))?\s+(?:\w+\s+)?fatally\b", re.IGNORECASE)
_INCLUDING = LazyPattern(
    rf"\bincluding\s+{_Q}{_NUM}\s+{_MODS}(?P<noun>{PERSON})\b", re.IGNORECASE
)

# Numbers that are never counts of people: masked before any rule runs.
_MASKS = [
    LazyPattern(rf"\b{NUMBER}(?:-|\s)(?:years?|months?|weeks?|days?)-old\b", re.IGNORECASE),
    LazyPattern(rf"\b{NUMBER}\s+(?:years?|months?)\s+old\b", re.IGNORECASE),
    LazyPattern(r"\b\d+\s*(?:yrs?\.?\s+old|y/o|yo)\b", re.IGNORECASE),
    LazyPattern(rf"\baged?\s+(?:from\s+|between\s+)?{NUMBER}(?:\s*(?:to|and|-)\s*{NUMBER})?", re.IGNORECASE),
    LazyPattern(rf"\b(?:mother|father|parent|grandmother|grandfather)\s+of\s+{NUMBER}\b", re.IGNORECASE),
    LazyPattern(r"[$£€¥]\s?\d[\d,.]*(?:\s+(?:million|billion|thousand))?", re.IGNORECASE),
    LazyPattern(r"\b\d[\d,.]*\s*(?:%|per\s?cent|percent)", re.IGNORECASE),
    LazyPattern(r"\b\d{1,2}[:.]\d{2}\s*(?:a\.?m\.?|p\.?m\.?)?|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)", re.IGNORECASE),
    LazyPattern(rf"\b{NUMBER}\s+(?:dollars|euros|pounds|yuan|rupees|years?|months?|weeks?|days?|hours?|"
               rf"minutes?|seconds?|miles?|km|kilomet(?:er|re)s?|met(?:er|re)s?|feet|ft|foot|yards?|inches|"
               rf"kg|kilograms?|pounds?|tons?|tonnes?|degrees?|magnitude|points?|times|rounds?|shots?|"
               rf"bullets?|cases?|counts?|charges?|houses?|homes?|buildings?|vehicles?|cars?|trucks?|"
               rf"tanks?|rockets?|missiles?|shells?|schools?|shelters?|camps?|villages?|votes?|seats?|"
               rf"districts?|provinces?|cities|towns?|hospitals?|floors?|storeys?|stories|calls?|st|nd|rd|th)\b",
               re.IGNORECASE),
    LazyPattern(r"\bmagnitude[- ]\d[\d.]*|\b\d[\d.]*[- ]magnitude\b", re.IGNORECASE),
    LazyPattern(r"\b(?:1[5-9]\d\d|20\d\d)s?\b(?!\s+(?:people|persons|civilians|soldiers|lives))"),
    LazyPattern(r"\b\d+\s+of\s+\d+\b"),
    # broadcasters: "WAVE 3 News", "(KOIN 6)", "Channel 4", "ABC7"
    LazyPattern(r"\b\d{1,2}\s+(?:News|Investigates|On\s+Your\s+Side|Eyewitness)\b|\b[A-Z]{3,5}\s+\d{1,2}\b|"
               r"\b(?:Channel|News)\s+\d{1,2}\b"),
    LazyPattern(r"\b(?:No\.|number|Nos?\.?|page|route|highway|interstate|block|unit|apartment|room|"
               r"flight|section)\s+\d+\b", re.IGNORECASE),
    LazyPattern(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE),
    LazyPattern(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
               r"December|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)\s+\d{1,2}\b"),
    LazyPattern(r"\b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
               r"November|December)\b"),
]
_PARTITIVE = re.compile(r"\b(?:of|among)\s+(?:the|these|those|all)\s*$", re.IGNORECASE)
_DENIED = re.compile(r"\b(?:not|never)\s+(?:\w+\s+)?(?:been\s+)?(?:\w+ly\s+)?(?:killed|hurt|injured|wounded|shot|struck|hit)\b|"
                     r"n't\s+(?:been\s+)?(?:killed|hurt|injured|wounded|shot|struck|hit)\b", re.IGNORECASE)
_NEGATION = re.compile(r"(?:\bno|\bnot|\bnone|n't|\bnobody|\bwithout|\bany)\s*$", re.IGNORECASE)
_HYPOTHETICAL = re.compile(
    r"\b(?:could|would|might|may|threaten(?:s|ed)? to|plan(?:ned|s)? to|tried to|trying to|"
    r"attempted to|vowed to|intend(?:s|ed)? to|aim(?:s|ed|ing)? to|want(?:s|ed)? to|wanting to|"
    r"threat(?:s|ening)? to|plot(?:s|ted|ting)? to|conspir\w+ to)\s+(?:have\s+)?(?:been\s+)?$", re.IGNORECASE)


_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=[a-z0-9])")
_SPACED_THOUSANDS = re.compile(r"(?<=\d), (?=\d{3}\b)")
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
_GUNSHOT = re.compile(r"shot|shoot|gunshot|bullet|gunfire")
_FATALLY_BEFORE = re.compile(r"fatally\s+$", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
_SELF_DEADLY = re.compile(r"\b(?:died|dead|killed|fatal\w*|death|suicide)\b", re.IGNORECASE)
_WERE = re.compile(r"\bwere\b")


def normalize(sentence: str) -> str:
    """Undo tokenization (`` '' quotes, spaced hyphens) keeping the text readable."""
    text = sentence.replace("``", '"').replace("''", '"')
    # "twenty - seven", "drive - by"; not a dateline dash ("TRENTON - One man was killed")
    text = _SPACED_HYPHEN.sub("-", text)
    text = _SPACED_THOUSANDS.sub(",", text)
    return text


# NUMBER_START first: most positions are rejected by one character class
_NUMBER_RE = LazyPattern(rf"{NUMBER_START}(?:(?<![\w-]){NUMBER}(?![\w])|\d)", re.IGNORECASE)


# Most masks need a word that is rare in a sentence ("old", "aged", "%"): a mask only
# runs when its hint occurs.
_MASK_HINTS: list[_Hint | None] = [
    _Hint(r"old"), _Hint(r"old"), _Hint(r"old|y/?o\b"), _Hint(r"\bage"), _Hint(r"mother|father|parent"),
    _Hint(r"[$£€¥]"), _Hint(r"%|cent"), _Hint(r"\d[:.]\d|\d\s*[ap]\.?m"),
    None, _Hint(r"magnitude"), _Hint(r"\b(?:1[5-9]|20)\d\d"), _Hint(r"\d\s+of\s+\d"),
    None, None, _Hint(r"\d(?:st|nd|rd|th)\b"), None, None,
]
assert len(_MASK_HINTS) == len(_MASKS)
_HIDES_WORDS = [NUMBER in p.pattern for p in _MASKS]  # can hide "a three-year-old", not only digits


def _apply_masks(chosen: list[LazyPattern], text: str, hide: Callable[[re.Match[str]], str]) -> str:
    """``sub(hide, text)`` with the alternation of the chosen masks, in their order.

    The leftmost match wins, and of masks matching at the same position the first;
    scanning resumes after it. Each mask is searched on its own, so no combination
    of masks has to be compiled (no mask matches the empty string).
    """
    upcoming = [(m, mask) for mask in chosen if (m := mask.search(text)) is not None]
    if not upcoming:
        return text
    parts: list[str] = []
    position = 0
    while True:
        first = None
        for k, (m, mask) in enumerate(upcoming):
            if m is not None and m.start() < position:  # overlapped by the last match: look again
                m = mask.search(text, position)
                upcoming[k] = (m, mask)
            if m is not None and (first is None or m.start() < first.start()):
                first = m
        if first is None:
            break
        parts.append(text[position : first.start()])
        parts.append(hide(first))
        position = first.end()
    parts.append(text[position:])
    return "".join(parts)


# The masks that start with a number ("25-year-old", "three hours") are the costly ones:
# instead of trying them at every position, their endings are tried after each number.
_LEAD = rf"\b{NUMBER}"
_NUMBER_LED = frozenset(i for i, p in enumerate(_MASKS) if p.pattern.startswith(_LEAD))
_AFTER_NUMBER = LazyPattern("|".join("(?:" + _MASKS[i].pattern[len(_LEAD):] + ")" for i in sorted(_NUMBER_LED)),
                           re.IGNORECASE)


# (mask, hint) pairs worth testing, with and without digits in the sentence: without
# digits only the masks that can hide a number word apply
_MASK_CANDIDATES = {
    has_digits: [(i, hint) for i, hint in enumerate(_MASK_HINTS)
                 if i not in _NUMBER_LED and (has_digits or _HIDES_WORDS[i])]
    for has_digits in (False, True)
}

_NUMBER_WORD = LazyPattern(rf"{NUMBER_START}\b{NUMBER}\b", re.IGNORECASE)

# Casualty words that are not about casualties ("injured reserve" in sports).
_IDIOMS = re.compile(r"\binjured\s+(?:reserve|list)\b|\bdead\s*(?:line|lock|end)|\bkill\s+switch", re.IGNORECASE)


def mask_non_counts(text: str) -> str:
    """Hide numbers that cannot be counts of people ("a 25-year-old", "1994", "$5").

    Only the number itself is replaced (by X), so "a XX-year-old woman" still reads
    as one woman.
    """
    # every idiom holds "injured", "dead" or "kill"; "ı" and "İ" match "i" when case is
    # ignored without lower-casing to it
    lowered = text.lower()
    if "injured" in lowered or "dead" in lowered or "kill" in lowered or "ı" in text or "İ" in text:
        text = _IDIOMS.sub(lambda m: "X" * len(m.group()), text)
        lowered = text.lower()

    def hide(m: re.Match[str]) -> str:
        return _NUMBER_RE.sub(lambda n: "X" * len(n.group()), m.group())

    has_digits = _HAS_DIGIT.search(text) is not None
    if not has_digits and not _NUMBER_WORD.search(text):
        return text
    chosen = [_MASKS[i] for i, hint in _MASK_CANDIDATES[has_digits] if hint is None or hint.search(lowered)]
    text = _apply_masks(chosen, text, hide)
    unmasked = text

    def hide_if_measure(n: re.Match[str]) -> str:
        return "X" * len(n.group()) if _AFTER_NUMBER.match(unmasked, n.end()) else n.group()

    return _NUMBER_RE.sub(hide_if_measure, unmasked)


def _value(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("num"):
        return parse_number(groups["num"])
    if groups.get("single"):
        return 1
    return None


_PASSIVE_AUX = re.compile(r"\b(?:were|was|are|is|been|be|being|got|get)\b", re.IGNORECASE)
_OBJECT_AFTER = re.compile(
    r"^\s*(?:the|a|an|his|her|their|its|two|three|four|five|six|seven|eight|nine|ten|one|"
    r"several|dozens|hundreds|at least|more than|some|him|her|them|himself|herself|themselves|\d|X|"
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|"
    r"June|July|August|September|October|November|December|In|On|At|By|Police)\b)[A-Z][a-z]+\b)", )
_TRANSITIVE = re.compile(
    r"^(?:killed|murdered|executed|massacred|assassinated|beheaded|slain|shot and killed|"
    r"(?:stabbed|struck|hit|beaten|attacked) and killed|gunned down|fatally \w+|wounded|injured|shot|"
    r"hurt|arrested|detained|captured|apprehended|evacuated|displaced|maimed)$", re.IGNORECASE)
_PLURAL_NOUN = LazyPattern(rf"^(?:{PERSON_PLURAL})$")
_LIST_ITEM = LazyPattern(
    rf"(?:[^,;.\d]{{0,40}}?)(?:\s*,\s*|\s+and\s+|\s*,\s*and\s+){_Q}{_NUM}\s+{_MODS}(?P<noun>{PERSON})\b"
    rf"(?!\s+(?:who\s+)?(?:are|were|was|is|have|has|had|remain\w*|will|would|could|did|do|does)\b)",
    re.IGNORECASE)


def _active_voice(scan: str, m: re.Match[str]) -> bool:
    """"officers fatally shot the teenager": the counted people did the killing."""
    state = m.group("state")
    if not _TRANSITIVE.match(state):
        return False
    between = scan[m.end("noun") if m.groupdict().get("noun") else m.end("num"): m.start("state")]
    if _PASSIVE_AUX.search(between):
        return False
    if state.lower() == "shot":
        return True  # "two men who shot up a street": without "were", shot is what they did
    return bool(_OBJECT_AFTER.match(scan[m.end():]))


# Every rule needs one of these stems; sentences without any are skipped cheaply.
_CUE_STEMS = (
    r"kill|dead|die[ds]?\b|dying|death|fatal|slain|murder|execut|massacr|assassin|perish|behead|"
    r"lives\b|bod(?:y|ies)\b|remains\b|gunned|drown|electrocut|toll|wound|injur|hurt|hospitali|maim|"
    r"grazed|shot\b|shoot|treat|missing|unaccounted|displac|homeless|evacuat|fle[de]\b|flee|arrest|"
    r"detain|custody|apprehend|captur|rounded up|lost\b|los(?:e|ing)\b|victim|homicide|bullet|gunfire|"
    r"casualt|struck|condition"
)


def _by_initial(alternatives: str) -> str:
    """The same alternatives grouped by first letter, for a yes/no search: the engine
    then tries one group per position instead of every alternative."""
    groups: dict[str, list[str]] = {}
    for alternative in re.split(r"\|(?![^(]*\))", alternatives):  # no "|" inside a group
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "|".join(f"{initial}(?:{'|'.join(rests)})" for initial, rests in groups.items())


# matched against the lower-cased sentence: much faster than IGNORECASE
_CUE = re.compile(rf"\b(?:{_by_initial(_CUE_STEMS)})")


# A court report names the killing it tries ("guilty of killing his wife"): one victim
# named in a verdict story is the subject of the trial, not a casualty it reports.
_LEGAL = re.compile(r"\b(?:guilty|convict\w*|pleaded|plea|jury|jurors|verdict|sentenc\w+|trial|"
                    r"prosecutors?|indict\w*|death penalty|acquitt\w*)\b", re.IGNORECASE)
_LEGAL_SENSITIVE = frozenset({"nominal-possessive", "object-definite", "definite-subject",
                              "pronoun-subject"})
_DEADLY = re.compile(r"\b(?:kill\w*|dead|died|dies|death|fatal\w*|murder\w*|homicide)\b", re.IGNORECASE)


def find_matches(sentence: str) -> list[Match]:
    """Every (kind, value) the sentence states as a casualty figure.

    Each number position yields at most one figure; rules are tried from the
    most specific, so the first rule to claim a number wins.
    """
    if not _CUE.search(sentence.lower()):
        return []
    return list(_cue_matches(sentence))


@lru_cache(maxsize=4096)  # wire copies and follow-ups repeat whole sentences
def _cue_matches(sentence: str) -> tuple[Match, ...]:
    text = normalize(sentence)
    scan = mask_non_counts(text)
    found: dict[int, Match] = {}

    def add(kind: str | None, m: re.Match[str], toll: str | None = None, offset: int = 0) -> None:
        value = _value(m)
        if kind is None or value is None or value <= 0:
            return
        groups = m.groupdict()
        num_start = offset + (m.start("num") if groups.get("num") else m.start("single"))
        if num_start in found:
            return
        before = scan[max(0, num_start - 40) : num_start]
        if _NEGATION.search(before.rstrip()) and not groups.get("qual"):
            return
        if _HYPOTHETICAL.search(scan[max(0, offset + m.start() - 40) : offset + m.start()]):
            return
        if _PARTITIVE.search(before):
            return  # "two of the four victims died": the four are not all dead
        if _DENIED.search(scan[num_start : offset + m.end()]):
            return  # "the two adults in the car were not injured"
        raw = groups.get("num") or ""
        if _YEAR.fullmatch(raw.strip()):
            return
        ends_with_noun = bool(groups.get("noun")) and m.end("noun") == m.end()
        how = (groups.get("state") or groups.get("verb") or "").lower()
        gunshot = kind == "injured" and bool(_GUNSHOT.search(how))
        found[num_start] = Match(kind, value, offset + m.start(), offset + m.end(),
                                 qualifier_label(groups.get("qual")), groups.get("noun"), toll, ends_with_noun,
                                 gunshot)

    lowered = scan.lower()
    tolls = _TOLL_HINT.search(lowered) is not None
    for m in _TOLL.finditer(scan) if tolls else ():
        toll = m.group("toll")
        kind = "injured" if re.search(r"injur|wound", toll, re.IGNORECASE) else kind_of(toll) or "killed"
        add(kind, m, toll=toll)
    for m in _TOLL_BEFORE.finditer(scan) if tolls else ():
        toll = m.group("toll")
        add(kind_of(toll) or "killed", m, toll=toll)
    # whole-sentence tests that only matter once a rule matches: looked up on first need
    legal = deadly = None
    counted = _has_count(lowered)
    hinted: dict[str, bool] = {}  # several rules share a hint
    for name, rule in _RULES:
        if name in _NEEDS_COUNT and not counted:
            continue
        hint = _RULE_HINTS.get(name)
        if hint is not None:
            if hint.pattern not in hinted:
                hinted[hint.pattern] = hint.search(lowered)
            if not hinted[hint.pattern]:
                continue
        for m in rule.finditer(scan):
            groups = m.groupdict()
            noun = groups.get("noun")
            verb = (groups.get("verb") or groups.get("state") or "").lower()
            fatally = _FATALLY_BEFORE.search(scan[max(0, m.start() - 10) : m.start()])
            if verb.startswith(("shot", "shoot")) and kind_of(verb) != "killed" and not fatally:
                if deadly is None:
                    deadly = _DEADLY.search(scan) is not None
                if deadly or (name in ("object", "object-definite") and not noun):
                    continue  # "shot the reporter, killing her"; "Drake shot 35" (basketball)
            if name in _LEGAL_SENSITIVE or (groups.get("single") and not groups.get("num")):
                if legal is None:
                    legal = _LEGAL.search(scan) is not None
                if legal:
                    continue
            if groups.get("single") and noun and _PLURAL_NOUN.match(noun) and noun.lower() not in ("person",):
                continue  # "a crime where people are killed": "a" does not count people
            if name == "object":
                kind = kind_of(groups["verb"])
                if kind == "injured" and _FATALLY_BEFORE.search(scan[max(0, m.start() - 10) : m.start()]):
                    kind = "killed"
                if groups.get("single") and not noun:
                    continue
            elif name in ("lives", "lives-of", "lost", "body", "victims"):
                kind = "killed"
            elif name == "treated":
                kind = "injured"
            elif name == "pronoun-subject":
                kind = "killed"
            elif name == "object-definite":
                kind = kind_of(groups["verb"])
                if kind == "injured" and _FATALLY_BEFORE.search(scan[max(0, m.start() - 10) : m.start()]):
                    kind = "killed"
            elif name in ("self-fatal", "shot-then-died"):
                kind = "killed"
            elif name == "self":
                if _SELF_DEADLY.search(scan):
                    continue
                kind = "injured"
            elif name in ("among-dead", "dead-include"):
                kind = kind_of(groups["state"]) or "killed"
            else:
                kind = kind_of(groups["state"])
                if name == "subject":
                    if _active_voice(scan, m):
                        continue
                    if groups.get("single") and _WERE.search(scan[m.end("noun"):m.start("state")]):
                        continue  # "another mom and a girl were wounded": a list, not one person
            add(kind, m)
    if "fatally" in lowered:
        for m in _FATALLY.finditer(scan):
            add("killed", m)  # "three people were shot, one fatally": the one is dead
    if found:
        for m in _SUBGROUP.finditer(scan):
            previous = [f for f in found.values() if f.start < m.start()]
            if previous:
                add(max(previous, key=lambda x: x.start).kind, m)
        for m in _ANOTHER.finditer(scan):
            add(kind_of(m.group("state")), m)
        for m in _INCLUDING.finditer(scan):
            previous = [f for f in found.values() if f.start < m.start()]
            if previous:
                nearest = max(previous, key=lambda x: x.start)
                # "one died and three others, including two children, were wounded": the
                # children belong to the three, not to the dead
                if _has_count(scan[nearest.end : m.start()].lower()):
                    continue
                add(nearest.kind, m)
        _continue_lists(scan, found, add)
    return tuple(sorted(found.values(), key=lambda x: (x.start, x.kind, x.value)))


def _continue_lists(scan: str, found: dict[int, Match], add) -> None:
    """"lost seven soldiers and four civilians": later items of a list share its kind."""
    # only a list that follows its head noun ("killed seven soldiers and four civilians");
    # after "left one dead and three others in hospital" the next item has its own predicate
    queue = sorted((f for f in found.values() if f.ends_with_noun), key=lambda x: x.start)
    while queue:
        current = queue.pop(0)
        anchor = current.end
        while True:
            item = _LIST_ITEM.match(scan, anchor)
            if not item:
                break
            before = len(found)
            add(current.kind, item, offset=0)
            if len(found) == before:
                break
            anchor = item.end()
