"""Background: context about the past or repeated across independent reports.

Wire stories close with the same context paragraphs ("the dispute dates to the
1990s"). Such sentences are separated from new developments and merged across
articles into one passage per fact that cites every article stating it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ..models import Article, Passage
from .numbers import TENS, UNITS, factored
from .sentences import Sentence

_STOP = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by",
        "with", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its",
        "this", "that", "these", "those", "their", "his", "her", "they", "he", "she", "which", "who",
        "not", "no", "after", "before", "since", "when", "while", "than", "then", "there", "into",
        "over", "about", "also", "still", "such", "one",
    ]
)
_PAST_MARKER = re.compile(
    r"\b(?:since|in|during|until|by)\s+(?:the\s+)?(?:early\s+|late\s+|mid-)?(?:1[89]\d\d|20\d\d)s?\b|"
    r"\b(?:1[89]\d\d|20\d\d)\s+(?:war|collapse|ceasefire|cease-fire|tsunami|earthquake|quake|conflict)\b|"
    r"\b(?:years|decades)\s+ago\b|\bformer(?:ly)?\b.*\b(?:war|conflict)\b|"
    r"\b(?:has|have)\s+(?:long\s+)?been\s+(?:locked|mired|embroiled)\b",
    re.IGNORECASE,
)
_CURRENT_WORDS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday",
                  "today", "tonight", "overnight", "latest", "this week", "hours", "now"]
_STATIVE_WORDS = ["is", "are", "has", "have", "recognises", "recognise", "recognizes", "recognize", "considers",
                  "consider", "backs", "sells", "supports", "borders", "remains", "lies", "controls", "claims",
                  "accused", "accuses", "allied", "alliance"]


def _initials(words: list[str]) -> str:
    """A lookahead for the words' first letters: a cheap test that lets the engine
    skip most positions before trying the alternatives."""
    return "(?=[" + "".join(sorted({w[0] for w in words})) + "])"


# factored on shared letters (see ``factored``): both are searched in most sentences
_CURRENT = re.compile(rf"{_initials(_CURRENT_WORDS)}\b(?:{factored(_CURRENT_WORDS)})\b", re.IGNORECASE)
_STATIVE = re.compile(rf"{_initials(_STATIVE_WORDS)}\b(?:{factored(_STATIVE_WORDS)})\b", re.IGNORECASE)
_SPEECH = re.compile(r"(?=[sta])\b(?:said|says|told|according to)\b", re.IGNORECASE)


_NUMBER_WORDS = frozenset(UNITS) | frozenset(TENS) | {"hundred", "thousand", "million"}


@lru_cache(maxsize=4096)  # asked again for every comparison a sentence takes part in
def _numbers(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w for w in words if w.isdigit() or w in _NUMBER_WORDS)


@dataclass
class Candidate:
    sentence: Sentence
    article: str
    words: frozenset[str]
    numbers: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers = _numbers(self.words)


_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


# one-character words are dropped too: as [a-z0-9]+ matches, they are these 36
_DROPPED = _STOP | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@lru_cache(maxsize=4096)  # the summary compares the same sentences again
def content_words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower())) - _DROPPED


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near-duplicate sentences: most content words shared, and the same numbers."""
    if not a or not b:
        return False
    numbers_a, numbers_b = _numbers(a), _numbers(b)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False  # "twenty-six killed" and "twenty-seven died" are different facts
    overlap = len(a & b)
    return overlap / len(a | b) >= 0.5 or overlap / min(len(a), len(b)) >= 0.75


_SPACE_BEFORE = re.compile(r"\s+([,.;:!?’”)])")
_SPACE_AFTER = re.compile(r"([“‘(])\s+")
_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,40}(?:\([^)]*\))?\s*[:—–]+\s*")


def clean_text(text: str) -> str:
    """Display text for a passage: tokenization undone, dateline dropped."""
    text = text.replace("``", "“").replace("''", "”")
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _SPACED_HYPHEN.sub("-", text)
    text = _DATELINE.sub("", text)
    return " ".join(text.split())


# the years _PAST_MARKER and _YEAR look for, wherever they stand
_YEARISH = re.compile(r"1[89]\d\d|20\d\d")


def _may_be_past(sentence: str) -> bool:
    """Cheap test: every past marker holds a year, "ago", "former" or "been".

    The words have no i or s, the only letters that case-insensitive matching also
    finds in characters whose lower case differs ("ı", "ſ"), so ``in`` on the
    lower-cased text is exact.
    """
    if _YEARISH.search(sentence):
        return True
    lowered = sentence.lower()
    return "ago" in lowered or "former" in lowered or "been" in lowered


def is_past(sentence: str, published: date | None) -> bool:
    """About an earlier time: a past decade or year, or "years ago"."""
    if not _may_be_past(sentence):
        return False
    if _PAST_MARKER.search(sentence):
        return True
    if published is not None:
        years = [int(y) for y in _YEAR.findall(sentence)]
        return bool(years) and max(years) < published.year
    return False


_MAX_COMPARED = 40
_UNCOMPARED: frozenset[str] = frozenset()  # the words of a candidate never compared


def _alike(a: Candidate, b: Candidate) -> bool:
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return False
    return similar(a.words, b.words)


def group_similar(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Clusters of near-duplicate sentences from different articles, first-seen order.

    Near-duplicates share most words, so they share at least one of a sentence's
    rarest words: only groups indexed under those few words are compared, and
    only with their first and latest members, which keeps the work near-linear.
    """
    if len({c.article for c in candidates}) < 2:
        return [[c] for c in candidates]  # only sentences of different articles are grouped
    groups: list[list[Candidate]] = []
    index: dict[str, list[int]] = {}
    for candidate in candidates:
        target = None
        if len(candidate.words) >= 4:  # shorter sentences are too short to be the same fact
            for number in _nearby(candidate.words, index):
                members = groups[number]
                compared = members if len(members) <= 3 else (members[0], members[-2], members[-1])
                if any(o.article != candidate.article and _alike(o, candidate) for o in compared):
                    target = number
                    break
        if target is None:
            target = len(groups)
            groups.append([])
        groups[target].append(candidate)
        if len(candidate.words) >= 4:
            for word in candidate.words:
                postings = index.get(word)
                if postings is None:
                    index[word] = [target]
                elif postings[-1] != target:
                    postings.append(target)
    return groups


def _nearby(words: frozenset[str], index: dict[str, list[int]]) -> list[int]:
    """Groups indexed under the sentence's three rarest words (fewest groups, then by word).

    Words not indexed yet are the rarest but lead nowhere, so only the indexed
    ones need ranking.
    """
    indexed = [(len(index[w]), w) for w in words if w in index]
    wanted = 3 - (len(words) - len(indexed))
    if wanted <= 0:
        return []
    rarest = sorted(indexed)[:wanted]
    return sorted({n for _, word in rarest for n in index[word]})[:_MAX_COMPARED]


def extract_background(
    articles: list[Article],
    sentences: dict[str, list[Sentence]],
    copies: dict[str, str],
    figure_sentences: dict[str, set[int]],
    background_figure_sentences: dict[str, set[int]],
) -> tuple[list[Passage], dict[str, set[int]]]:
    """Background passages and, per article, the sentence indices they used."""
    from .figures import content_key

    chosen = [(s, a.id) for a in articles for s in sentences[a.id] if 25 <= len(s.text) <= 500]
    published = {a.id: a.published for a in articles}
    if len({article for _, article in chosen}) < 2:
        # what group_similar returns for one article, without the content words it
        # would only need for comparing
        groups = [[Candidate(s, article, _UNCOMPARED)] for s, article in chosen]
    else:
        groups = group_similar([Candidate(s, article, content_words(s.text)) for s, article in chosen])
    passages: list[Passage] = []
    used: dict[str, set[int]] = {a.id: set() for a in articles}
    for group in groups:
        ids = sorted({c.article for c in group})
        independent = {copies.get(i, i) for i in ids}
        first = group[0]
        text = first.sentence.text
        holds_figure = any(c.sentence.index in figure_sentences.get(c.article, set()) for c in group)
        if not _is_background(group, text, holds_figure, len(independent) >= 2, published,
                              background_figure_sentences, sentences[first.article]):
            continue
        passages.append(
            Passage(text=clean_text(text), articles=ids, key=content_key("|".join(ids), "background", text))
        )
        for c in group:
            used[c.article].add(c.sentence.index)
    return passages, used


def _is_background(group: list[Candidate], text: str, holds_figure: bool, repeated: bool,
                   published: dict[str, date | None], background_figure_sentences: dict[str, set[int]],
                   article_sentences: list[Sentence]) -> bool:
    """About the past, or context repeated across independent reports or stated late.

    A sentence with a current figure is news, not background, unless it is about
    the past. The cheap tests run first.
    """
    past = any(c.sentence.index in background_figure_sentences.get(c.article, set()) for c in group) or any(
        is_past(c.sentence.text, published[c.article]) for c in group
    )
    if past or holds_figure:
        return past
    if not (repeated or _late_in_article(group[0].sentence, article_sentences)):
        return False
    if _CURRENT.search(text):
        return False
    return repeated or (not _SPEECH.search(text) and _STATIVE.search(text) is not None)


def _late_in_article(sentence: Sentence, article_sentences: list[Sentence]) -> bool:
    """Context paragraphs sit in the second half of a report."""
    return len(article_sentences) >= 6 and sentence.index >= len(article_sentences) // 2
