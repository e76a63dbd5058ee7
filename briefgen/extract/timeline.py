"""Timeline events: sentences anchored in time, dated only when the input allows.

"On Monday" becomes a date only against the article's own ``published`` date
(the latest such weekday on or before it); without one the event keeps its words
and no date. Nothing is ever guessed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ..models import Article, Event
from .sentences import Sentence

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}

_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART = r"(?:\s+(?:night|morning|evening|afternoon))"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
# The lookaheads list the letters a match can start with: a cheap test that lets the
# engine skip most positions before trying the alternatives.
_ANCHOR = re.compile(
    rf"(?=[jfmasondletwy])(?:\b(?P<explicit>{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?)\b|"
    rf"\b(?P<weekday>(?:(?:late|early)\s+)?(?:(?:last|this|on|Monday|Tuesday|Wednesday|Thursday|Friday|"
    rf"Saturday|Sunday)\s+)?{_DAY}{_PART}?)\b|"
    rf"\b(?P<relative>yesterday|today|tonight|overnight|last night|this morning|earlier this week|"
    rf"(?:late|early)\s+yesterday)\b)",
    re.IGNORECASE,
)


# cheap test first: every anchor contains one of these stems
_ANCHOR_HINT = re.compile(r"day|night|morning|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")


def time_anchor(sentence: str) -> str | None:
    """The sentence's own words for when it happened ("late Monday"), or None."""
    if not _ANCHOR_HINT.search(sentence.lower()):
        return None
    match = _ANCHOR.search(sentence)
    if not match:
        return None
    words = match.group().strip()
    words = re.sub(r"^(?:on|this)\s+", "", words, flags=re.IGNORECASE)
    if match.group("weekday") or match.group("relative"):
        return words
    return words if re.search(r"\d", words) else None


def _weekday_on_or_before(weekday: int, published: date) -> date:
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def resolve_relative_day(words: str | None, published: date | None) -> str | None:
    """ISO date for "Monday", "late Monday", "yesterday" or "March 3" against a publication date.

    Returns None without a publication date (except for a full explicit date).
    """
    if not words:
        return None
    lowered = words.lower()
    explicit = re.search(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+((?:19|20)\d\d))?", lowered)
    if explicit and explicit.group(1)[:3] in _MONTH_ABBR and explicit.group(1) not in WEEKDAYS:
        month = _MONTH_ABBR[explicit.group(1)[:3]]
        day = int(explicit.group(2))
        year = int(explicit.group(3)) if explicit.group(3) else None
        if year is None:
            if published is None:
                return None
            year = published.year
            try:
                if date(year, month, day) > published:
                    year -= 1
            except ValueError:
                return None
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    if published is None:
        return None
    if "yesterday" in lowered or lowered == "last night":
        return (published - timedelta(days=1)).isoformat()
    if lowered in ("today", "tonight", "this morning"):
        return published.isoformat()
    for index, name in enumerate(WEEKDAYS):
        if name in lowered:
            day = _weekday_on_or_before(index, published)
            if lowered.startswith("last ") and day == published:
                day -= timedelta(days=7)
            return day.isoformat()
    return None


_EVENT_VERB = re.compile(
    r"(?=[kdalshcfebwrimuo])"  # the first letters, as for _ANCHOR
    r"\b(?:killed|died|attacked|launched|shelled|struck|hit|clashed|clashes|fighting|erupted|broke out|"
    r"declared|announced|signed|agreed|captured|seized|arrested|fired|exploded|collapsed|began|started|"
    r"ended|withdrew|repelled|destroyed|continued|shot|wounded|injured|evacuated|fled|met|called|urged|"
    r"rose|reached|opened|closed|imposed|rejected|accused)\b",
    re.IGNORECASE,
)


def extract_events(article: Article, sentences: list[Sentence], skip: set[int]) -> list[Event]:
    """Time-anchored sentences that report something happening, in text order."""
    from .figures import content_key  # local import: figures imports this module

    events: list[Event] = []
    for sentence in sentences:
        if sentence.index in skip or len(sentence.text) < 30 or len(sentence.text) > 400:
            continue
        words = time_anchor(sentence.text)
        if not words or not _EVENT_VERB.search(sentence.text):
            continue
        events.append(
            Event(
                text=_trim(sentence.text),
                article=article.id,
                quote=sentence.text,
                date=resolve_relative_day(words, article.published),
                when=words,
                key=content_key(article.id, "event", sentence.text),
            )
        )
    return events


def _trim(text: str) -> str:
    """The event as a short line: tokenization undone, leading wire dateline dropped."""
    text = text.replace("``", "“").replace("''", "”")
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"^[A-Z][A-Z .,'-]{2,40}(?:\([^)]*\))?\s*[:—–-]+\s*", "", text)
    return text.strip()
