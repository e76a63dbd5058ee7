"""The briefing's title and its short summary.

Reports put the news first, so the summary is made of lead sentences: the
newest report's lead, then leads of other reports that add something, each
citing every article that states the same thing.
"""

from __future__ import annotations

from ..models import Article, Figure, Passage
from .background import Candidate, clean_text, content_words, group_similar, similar
from .sentences import Sentence

MAX_SENTENCES = 3


def newest_first(articles: list[Article], figures: list[Figure]) -> list[Article]:
    """Articles ordered newest first.

    Dated articles by date; undated ones after them, the one reporting the
    larger running toll first (a toll only grows), then by id.
    """
    largest: dict[str, int] = {}
    for figure in figures:
        if figure.cumulative:
            largest[figure.article] = max(largest.get(figure.article, 0), figure.value)
    return sorted(
        articles,
        key=lambda a: (
            a.published is None,
            -(a.published.toordinal() if a.published else 0),
            -largest.get(a.id, 0),
            a.id,
        ),
    )


def choose_title(ordered: list[Article]) -> str:
    """The newest report's title; a briefing needs some title even if every one is empty."""
    for article in ordered:
        if article.title.strip():
            return " ".join(article.title.split())
    return ordered[0].id if ordered else "Untitled briefing"


def build_summary(
    ordered: list[Article],
    sentences: dict[str, list[Sentence]],
    excluded: dict[str, set[int]],
) -> list[Passage]:
    """2-4 lead sentences, newest report first, each citing the articles stating it."""
    from .figures import content_key

    leads: list[Candidate] = []
    for article in ordered:
        taken = 0
        for sentence in sentences[article.id]:
            if taken == 2:
                break
            if sentence.index in excluded.get(article.id, set()) or not 40 <= len(sentence.text) <= 400:
                continue
            if sentence.text.rstrip()[-1:] not in ".!?\"”'":
                continue
            leads.append(Candidate(sentence, article.id, content_words(sentence.text)))
            taken += 1
    # which articles state each sentence: one grouping over every sentence (with a
    # single article, each sentence is stated by its own article only)
    stated_by: dict[tuple[str, int], set[str]] = {}
    if len({a.id for a in ordered}) >= 2:
        everything = [Candidate(s, a.id, content_words(s.text)) for a in ordered for s in sentences[a.id]]
        for group in group_similar(everything):
            ids = {c.article for c in group}
            for c in group:
                stated_by[(c.article, c.sentence.index)] = ids
    passages: list[Passage] = []
    chosen: list[frozenset[str]] = []
    for lead in leads:
        if any(similar(lead.words, words) for words in chosen):
            continue
        chosen.append(lead.words)
        ids = sorted(stated_by.get((lead.article, lead.sentence.index), {lead.article}))
        passages.append(Passage(text=clean_text(lead.sentence.text), articles=ids,
                                key=content_key("|".join(ids), "summary", lead.sentence.text)))
        if len(passages) == MAX_SENTENCES:
            break
    return passages
