"""Casualty figures with their context: group, running toll or period, reporter.

``rules.find_matches`` says which numbers are casualty counts; this module turns
each into a Figure citing its verbatim sentence, and sets aside figures of
earlier events (a past war's toll) as background rather than key figures.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from ..models import Article, Figure
from .attribution import find_reporter, is_pronoun, reporter_type
from .numbers import states_value
from .rules import Match, find_matches, normalize
from .sentences import Sentence
from .timeline import resolve_relative_day, time_anchor

_MILITARY = re.compile(
    r"\b(?:soldiers?|servicem[ae]n|troops|fighters?|militants?|rebels?|separatists?|combatants?|"
    r"insurgents?|gunmen|marines?|military|army|personnel|peacekeepers?)\b", re.IGNORECASE)
_POLICE = re.compile(r"\b(?:police(?:m[ae]n|wom[ae]n)?|officers?|cops?|deput(?:y|ies)|troopers?|sergeant)\b",
                     re.IGNORECASE)
_CHILDREN = re.compile(r"\b(?:child(?:ren)?|kids?|bab(?:y|ies)|infants?|toddlers?|boys?|girls?|"
                       r"schoolchildren|schoolboy|schoolgirl|newborn)\b", re.IGNORECASE)
_CUMULATIVE = re.compile(
    r"\b(?:bring(?:s|ing)?|brought|rais(?:e|es|ed|ing)|push(?:es|ed|ing)?|so far|to date|in total|"
    r"a total of|altogether|in all|overall|since the (?:start|beginning|outbreak)|cumulative|tally)\b",
    re.IGNORECASE)
_EVENT_NOUN = (
    r"(?:war|wars|tsunami|earthquake|quake|attack|bombing|conflict|disaster|storm|hurricane|"
    r"cyclone|typhoon|flood|floods|massacre|genocide|uprising|famine|riots?|insurgency|"
    r"fighting|clashes|offensive|incident|crash|blast|explosion|shooting|violence)"
)
# "the 2004 tsunami that killed", "an earlier quake killed": another event than the one reported
_PAST_EVENT = re.compile(
    rf"\b(?:(?:the\s+)?(?:1[89]\d\d|20\d\d)(?:'s|s)?|previous|earlier|last|past|former|similar|"
    rf"deadliest|worst)\s+(?:[\w'’-]+\s+){{0,3}}?{_EVENT_NOUN}\b[^.;]{{0,40}}?"
    rf"\b(?:that|which|in which|when|where|killed|claimed|left)\b",
    re.IGNORECASE)
# "a war that claimed 30,000 lives": an indefinite event, read as context away from the lead
_OTHER_EVENT = re.compile(
    rf"\b(?:an?|another)\s+(?:[\w'’-]+\s+){{0,3}}?{_EVENT_NOUN}\s+(?:that|which|in which)\b",
    re.IGNORECASE)
_PAST_TIME = re.compile(
    r"\b(?:since|in|during)\s+the\s+(?:1[89]\d0|20\d0)s\b|\b(?:years|decades)\s+ago\b|"
    r"\ba\s+(?:year|decade)\s+ago\b|\bin\s+(?:the\s+)?(?:1[89]\d\d|20\d\d)\s+(?:war|conflict)\b",
    re.IGNORECASE)


# Running statistics of a city or a year: context, not the event's count.
_STATISTIC = re.compile(
    r"\b(?:so far this|this|last|per|each|a) year\b|\bas of\b|\bcitywide\b|\bnationwide\b|"
    r"\bstatistics\b|\bon average\b|\bannually\b|\bsince (?:January|the start of the year)\b|"
    r"\bhomicides? (?:this|so far)\b|\b(?:this|last) month\b|\bin (?:January|February|March|April|May|June|"
    r"July|August|September|October|November|December) alone\b",
    re.IGNORECASE)


_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December)")
# A count over many incidents ("17 wounded in separate shootings across the city") is a
# roundup: the briefing's own incident is at most one of them.
_ROUNDUP = re.compile(
    r"\b(?:separate|several|multiple|different|unrelated|other|three|four|five|six|\d+)\s+"
    r"(?:[\w-]+\s+)?(?:shootings|incidents|attacks)\b|\bshootings\s+(?:across|around|throughout|on\s+the)\b|"
    r"\b(?:weekend|holiday|overnight)\s+(?:shootings|violence)\b|\bacross\s+the\s+(?:city|county)\b|"
    r"\b(?:in|of)\s+(?:\w+\s+)?(?:shootings|incidents)\s+(?:since|from|over|this|last)\b|"
    r"\bshootings\b|\b(?:\d+|[\w-]+)-hour\s+(?:span|period|stretch)\b|\bover\s+the\s+(?:weekend|holiday)\b|"
    r"\bsince\s+last\s+\w+\b|\bviolent\s+(?:weekend|night|day|week|24\s+hours)\b|\bweekend\s+(?:shooting|death)|"
    r"\b(?:in|over|during)\s+the\s+(?:last|past)\s+(?:\w+\s+)?(?:months|years)\b|"
    r"^\W*related\b",
    re.IGNORECASE)
# Every _ROUNDUP alternative holds one of these words: most sentences skip its long
# case-insensitive scan. Three characters match an ASCII letter case-insensitively
# without lower-casing to it ("ı", "ſ", "İ"); a text holding one is always scanned.
_ROUNDUP_WORDS = ("shooting", "incident", "attack", "violen", "across", "weekend", "holiday", "hour",
                  "since", "month", "year", "related")
_FOLD_EXCEPTIONS = ("ı", "ſ", "İ")


def _may_be_roundup(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in _ROUNDUP_WORDS) or any(c in text for c in _FOLD_EXCEPTIONS)


# "comes a month after a gunman killed 20", "last October, one person was killed": another incident
_EARLIER_INCIDENT = re.compile(
    rf"\b(?:came|comes|coming|happened|occurred)\b[^.;]{{0,40}}\b(?:after|before|since)\b|"
    rf"\b(?:a|an|one|two|three|four|five|six|several|few|\d+)\s+(?:days?|weeks?|months?|years?)\s+"
    rf"(?:after|before|earlier|prior)\b|\b(?:last|this\s+past)\s+(?:{_MONTH}|year|summer|spring|fall|"
    rf"autumn|winter)\b|\bearlier\s+this\s+(?:year|month)\b|\bin\s+{_MONTH}\s+(?:of\s+)?(?:19|20)\d\d\b|"
    rf"\b(?:another|previous|earlier|separate|unrelated|similar)\s+(?:\w+\s+)?(?:shooting|incident|attack)\b|"
    rf"\b(?:was|is)\s+the\s+(?:\w+\s+){{0,2}}(?:scene|site)\s+of\b",
    re.IGNORECASE)


def content_key(*parts: object) -> str:
    """A short stable identity derived from content: sha1 of the parts, 10 hex digits."""
    joined = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:10]


def group_of(match: Match) -> str | None:
    """The group a count is about, as the text names it."""
    words = " ".join(w for w in (match.toll, match.noun) if w)
    lowered = words.lower()
    if re.search(r"\bcivilian", lowered):
        return "civilians"
    if _MILITARY.search(words):
        return "military"
    if re.search(r"\b(?:total|overall)\b", lowered):
        return "total"
    if _POLICE.search(words):
        return "police"
    if _CHILDREN.search(words):
        return "children"
    if match.noun and re.fullmatch(r"[A-Z][a-z]+s", match.noun):
        return match.noun  # "Palestinians", "Israelis"
    if match.noun:
        return "people"
    return None


def is_background(text: str, match: Match, published: date | None, position: int = 2) -> bool:
    """True when a figure belongs to an earlier event mentioned for context.

    ``position`` is the sentence's index in its article: the first three sentences
    report the news, so an indefinite "a quake that killed" there is the event itself.
    """
    before = text[max(0, match.start - 160) : match.start + 1]
    if _PAST_EVENT.search(before):
        return True
    if position >= 3 and _OTHER_EVENT.search(before):
        return True
    if _PAST_TIME.search(text) or _STATISTIC.search(text) or (_may_be_roundup(text) and _ROUNDUP.search(text)):
        return True
    if _EARLIER_INCIDENT.search(text[max(0, match.start - 120) : match.start]):
        return True
    if published is not None:
        years = [int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", text)]
        if years and max(years) < published.year:
            return True
    return False


def _with_headline(article: Article, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences, followed by the title when the body does not repeat it.

    Local news often states the count only in its headline ("4 people shot in
    southeast Fresno"); the title is part of the cited article, so it can be quoted.
    It comes last so that a body sentence, with its context, cites a figure both
    state; its index is -1, so it never collides with a body sentence.
    """
    title = " ".join(article.title.split())
    if not title or title in " ".join(article.text.split()):
        return sentences
    return [*sentences, Sentence(title, 0, 0, -1, -1)]


def extract_figures(article: Article, sentences: list[Sentence]) -> tuple[list[Figure], list[int]]:
    """Figures of one article, and the indices of sentences holding background figures."""
    figures: list[Figure] = []
    background: list[int] = []
    seen: dict[tuple, Figure] = {}
    last_group: dict[str, str] = {}
    gunshot_keys: set[str] = set()
    ordered = _with_headline(article, sentences)
    reporters: dict[int, str | None] = {}

    def reporter_at(position: int) -> str | None:
        if position not in reporters:
            reporters[position] = find_reporter(ordered[position].text)
        return reporters[position]

    def last_named_reporter(position: int) -> str | None:
        """The nearest earlier sentence's named source: attribution is only needed
        for sentences with figures, so it is looked up lazily, walking back."""
        for earlier in range(position - 1, -1, -1):
            who = reporter_at(earlier)
            if who and not is_pronoun(who):
                return who
        return None

    for position, sentence in enumerate(ordered):
        matches = find_matches(sentence.text)
        if not matches:
            continue
        who = reporter_at(position)
        pronoun_led = bool(re.match(r"(?:It|They|He|She)\b", sentence.text))
        if sentence.index < 0:
            who = None if who and is_pronoun(who) else who  # a headline stands alone
        elif (who and is_pronoun(who)) or (who is None and pronoun_led):
            who = last_named_reporter(position)  # "It has previously put the number at 28"
        text = normalize(sentence.text)
        sentence_cumulative = any(m.toll for m in matches)
        anchor = time_anchor(sentence.text)
        stated_background = False
        for match in matches:
            if not states_value(sentence.text, match.value):
                continue  # "the boy was pronounced dead": true, but the quote shows no number
            if is_background(text, match, article.published, sentence.index):
                stated_background = True
                continue
            group = group_of(match)
            if group is None and pronoun_led:
                group = last_group.get(match.kind)
            context = text[max(0, match.start - 60) : match.end + 30]
            cumulative = bool(match.toll) or bool(_CUMULATIVE.search(context)) or (
                sentence_cumulative and "includ" in text[max(0, match.start - 30) : match.start].lower()
            )
            period = None if cumulative or anchor is None else anchor
            when = resolve_relative_day(period, article.published) if period else None
            dedupe = (match.kind, match.value, group, cumulative)
            if dedupe in seen:
                earlier = seen[dedupe]
                if earlier.reported_by is None and who:
                    earlier.reported_by, earlier.reporter_type = who, reporter_type(who)
                continue
            figure = Figure(
                kind=match.kind,
                value=match.value,
                article=article.id,
                quote=sentence.text,
                group=group,
                cumulative=cumulative,
                period=period,
                reported_by=who,
                reporter_type=reporter_type(who),
                qualifier=match.qualifier,
                date=when,
                key=content_key(article.id, match.kind, match.value, sentence.text),
            )
            seen[dedupe] = figure
            figures.append(figure)
            if match.gunshot:
                gunshot_keys.add(figure.key)
            if group:
                last_group[match.kind] = group
        if stated_background:
            background.append(sentence.index)
    if any(f.kind == "killed" for f in figures):
        # "six people were shot" counts the dead too when a report also has deaths: it is
        # not a count of the injured, so it is not published as one
        figures = [f for f in figures if not (f.key in gunshot_keys)]
    return figures, background
