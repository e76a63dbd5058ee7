"""The two sample articles through extract() against the analyst's gold file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from briefgen.extract import extract, find_disputes
from briefgen.extract.attribution import party_key
from briefgen.extract.disputes import group_family
from briefgen.extract.numbers import states_value
from briefgen.models import Article

SAMPLES = Path(__file__).resolve().parents[1] / "content" / "articles"
LETTERS = {"A": "000_c581fe545c0f88e6", "B": "001_223150dcc2cc57dd"}


def _body(raw: str) -> tuple[str, str]:
    """Title and body as ingest leaves them: headline lines and furniture dropped.

    Kept deliberately simple (lines that end a sentence, nothing after "Read more:"
    that is a headline): this test is about extraction, not furniture removal.
    """
    lines = [line.strip() for line in raw.splitlines()]
    title = next(line for line in lines if line)
    body = [line for line in lines[lines.index(title) + 1:] if line and line[-1] in ".!?”\""]
    return title, "\n\n".join(body)


@pytest.fixture(scope="module")
def seeds():
    articles = []
    for stem in LETTERS.values():
        title, text = _body((SAMPLES / f"{stem}.txt").read_text(encoding="utf-8"))
        articles.append(Article(id=stem, path=f"content/articles/{stem}.txt", title=title, text=text))
    return articles, extract(articles, {})


@pytest.fixture(scope="module")
def gold(shared_dir: Path) -> dict:
    return yaml.safe_load((shared_dir / "gold" / "seeds.yaml").read_text(encoding="utf-8"))


def test_every_gold_figure_is_extracted_with_its_context(seeds, gold) -> None:
    _, extraction = seeds
    for item in gold["figures"]:
        matches = [f for f in extraction.figures
                   if f.article == LETTERS[item["article"]] and f.kind == item["kind"] and f.value == item["value"]]
        assert matches, item
        figure = matches[0]
        assert group_family(figure.group) == group_family(item["group"]), (item, figure.group)
        assert figure.cumulative == item["cumulative"], (item, figure)
        if "period" in item:
            assert figure.period == item["period"]
        if "reported_by" in item:
            assert figure.reported_by, item
            ours, theirs = party_key(figure.reported_by)[0], party_key(item["reported_by"])[0]
            assert ours in (theirs, "rebels"), (figure.reported_by, item["reported_by"])


def test_no_trap_number_is_a_figure(seeds, gold) -> None:
    _, extraction = seeds
    values = {f.value for f in extraction.figures}
    assert not values & {item["value"] for item in gold["not_figures"]}
    assert 30000 not in values
    assert any("30,000 lives" in p.text for p in extraction.background)


def test_gold_revisions_are_found_oldest_first(seeds, gold) -> None:
    _, extraction = seeds
    by_key = {f.key: f for f in extraction.figures}
    disputes = find_disputes(extraction.figures, {LETTERS["A"]: None, LETTERS["B"]: None})
    revisions = [[(by_key[k].article, by_key[k].value) for k in d.figures] for d in disputes if d.type == "revision"]
    for item in gold["revisions"]:
        wanted = [(LETTERS[letter], value) for letter, value in item["values"].items()]
        assert any(r[-len(wanted):] == wanted for r in revisions), (item, revisions)
    assert not [d for d in disputes if d.type == "conflict"]


def test_gold_claims(seeds, gold) -> None:
    _, extraction = seeds
    for item in gold["claims"]:
        articles = item["article"] if isinstance(item["article"], list) else [item["article"]]
        for letter in articles:
            claims = [c for c in extraction.claims if c.article == LETTERS[letter]]
            if item["who"] == "none":
                assert any(c.who == "Unattributed" and "casualties" in c.what for c in claims)
                continue
            key_words = [w for w in re.findall(r"[a-z]+", item["what"].lower()) if len(w) > 5][:3]
            assert any(all(w in c.what.lower() for w in key_words) for c in claims), (item, claims)


def test_gold_actors_and_not_the_un(seeds, gold) -> None:
    _, extraction = seeds
    names = {e.name for e in extraction.actors}
    assert set(gold["actors"]) <= names
    assert "United Nations" not in names


def test_gold_background_facts_cite_their_articles(seeds) -> None:
    _, extraction = seeds
    both = sorted(LETTERS.values())
    for marker in ("1990s", "recognizes", "1994", "Minsk Group", "since 2016"):
        assert any(marker in p.text and p.articles == both for p in extraction.background), marker
    assert any("sells" in p.text and p.articles == [LETTERS["B"]] for p in extraction.background)


def test_summary_title_timeline_and_provenance(seeds) -> None:
    articles, extraction = seeds
    texts = {a.id: a.text for a in articles}
    assert extraction.title
    assert 2 <= len(extraction.summary) <= 4 and all(p.articles for p in extraction.summary)
    assert extraction.events and all(e.date is None for e in extraction.events)  # no dates to resolve from
    for item in [*extraction.figures, *extraction.claims, *extraction.events]:
        assert item.quote in texts[item.article] and item.key
    assert all(states_value(f.quote, f.value) for f in extraction.figures)
    assert len({f.key for f in extraction.figures}) == len(extraction.figures)


def test_extraction_is_deterministic(seeds) -> None:
    articles, extraction = seeds
    assert extract(list(reversed(articles)), {}) == extraction
