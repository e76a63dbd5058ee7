"""Extract: the facts of one briefing's articles, each citing its verbatim source.

``extract(articles, copies)`` returns an Extraction (title, summary, casualty
figures, claims, actors, places, timeline events, background) for one group of
articles; ``find_disputes(figures, published)`` finds revisions and conflicts in
a briefing's (merged) figures. Both are pure and deterministic: regular
expressions and small word lists, no statistical model, no file I/O.
"""

from __future__ import annotations

from ..models import FIGURE_KINDS, Article, Extraction
from .background import extract_background
from .claims import extract_claims
from .disputes import find_disputes
from .entities import extract_entities
from .figures import extract_figures
from .sentences import split_sentences
from .summary import build_summary, choose_title, newest_first
from .timeline import extract_events

__all__ = ["extract", "find_disputes"]


def extract(articles: list[Article], copies: dict[str, str]) -> Extraction:
    """Everything a briefing shows, extracted from its articles.

    ``copies`` maps a wire copy's id to the article it copies: a copy still
    contributes figures (cited to itself) but does not count as an independent
    report when deciding whether context is repeated across reports.
    """
    articles = sorted(articles, key=lambda a: a.id)
    sentences = {a.id: split_sentences(a.text) for a in articles}
    figures = []
    figure_sentences: dict[str, set[int]] = {}
    background_figure_sentences: dict[str, set[int]] = {}
    claims = []
    for article in articles:
        found, background_at = extract_figures(article, sentences[article.id])
        figures.extend(found)
        quotes = {f.quote for f in found}
        figure_sentences[article.id] = {s.index for s in sentences[article.id] if s.text in quotes}
        background_figure_sentences[article.id] = set(background_at)
        claims.extend(extract_claims(article, sentences[article.id]))
    background, used = extract_background(
        articles, sentences, copies, figure_sentences, background_figure_sentences
    )
    events = []
    for article in articles:
        events.extend(extract_events(article, sentences[article.id], used[article.id]))
    actors, places = extract_entities(articles)
    ordered = newest_first(articles, figures)
    summary = build_summary(ordered, sentences, used)
    kind_rank = {kind: i for i, kind in enumerate(FIGURE_KINDS)}
    # stable sorts: within an article, text order is kept
    figures.sort(key=lambda f: (kind_rank.get(f.kind, len(kind_rank)), f.article))
    events.sort(key=lambda e: (e.date or "9999-99-99", e.article))
    return Extraction(
        title=choose_title(ordered),
        summary=summary,
        figures=figures,
        claims=claims,
        actors=actors,
        places=places,
        events=events,
        background=background,
    )
