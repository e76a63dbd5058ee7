"""``briefgen check``: validate without building, and find quotes gone stale.

An article edited after its figures were extracted can leave a quote that no
longer appears in it; a reader following the citation would not find it.
"""

from __future__ import annotations

from . import briefing, ingest
from .config import Project, load_settings
from .diagnostics import BriefgenError, Diagnostics, Problem

#: Sections of a briefing file whose items quote an article.
QUOTING_SECTIONS = ("figures", "claims", "timeline")


def stale_quotes(project: Project, store: briefing.Store, texts: dict[str, str]) -> list[Problem]:
    """Items whose ``quote`` is no longer found in the article they cite."""
    problems = []
    for stored in sorted(store.briefings.values(), key=lambda s: s.slug):
        if not stored.doc or not stored.file:
            continue
        shown = f"content/briefings/{stored.file}"
        for section in QUOTING_SECTIONS:
            for item in stored.doc.get(section) or []:
                if not isinstance(item, dict):
                    continue
                source, quote = item.get("source"), item.get("quote")
                if not isinstance(quote, str) or source not in texts:
                    continue  # editor-added sources have no article text to compare
                if " ".join(quote.split()) not in " ".join(texts[source].split()):
                    problems.append(Problem(
                        shown, f"{section} {item.get('id', '?')}: quote no longer found in "
                               f"article {source}"))
    return problems


def check_project(project: Project) -> tuple[list[Problem], list[Problem]]:
    """(problems that would stop a build, quotes that no longer match their article)."""
    problems: list[Problem] = []
    settings = None
    try:
        settings = load_settings(project)
    except BriefgenError as exc:
        problems.extend(exc.problems)
    problems.extend(briefing.check(project))
    if problems or settings is None:
        return problems, []
    diagnostics = Diagnostics()
    texts = {a.id: a.text for a in ingest.read_articles(project, settings, diagnostics)}
    return problems, stale_quotes(project, briefing.load_all(project), texts)
