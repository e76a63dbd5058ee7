"""Figure quality on real news: ECB+ per-article precision/recall and GVA headline counts.

Run directly for the numbers: ``python tests/test_extract_corpus.py [ecbplus|gva]``.
The pytest gates pin minimums a little below the measured scores so that a later
change cannot quietly make the briefings worse.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from briefgen.extract import extract
from briefgen.extract.numbers import states_value
from briefgen.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCORED_KINDS = ("killed", "injured")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _article(row: dict) -> Article:
    published = date.fromisoformat(row["published"]) if row.get("published") else None
    return Article(id=row["id"], path=row["id"], title=row.get("title") or "", text=row["text"],
                   source=row.get("source"), url=row.get("url"), published=published)


def score_ecbplus(shared: Path) -> dict[str, float]:
    """Per-article (kind, value) precision and recall for killed/injured.

    ``precision`` counts every article (one without an entry in figures.jsonl is
    taken to state no figure); ``annotated_precision`` only the annotated ones.
    A predicted pair listed only as ``background`` is ignored either way.
    """
    rows = _read_jsonl(shared / "corpus" / "ecbplus" / "articles.jsonl")
    truth = {r["id"]: r for r in _read_jsonl(shared / "corpus" / "ecbplus" / "figures.jsonl")}
    true_positive = predicted = expected = 0
    annotated_tp = annotated_predicted = 0
    errors: list[str] = []
    for row in rows:
        article = _article(row)
        found = {(f.kind, f.value) for f in extract([article], {}).figures if f.kind in SCORED_KINDS}
        entry = truth.get(row["id"], {"figures": [], "background": []})
        gold = {(f["kind"], f["value"]) for f in entry["figures"] if f["kind"] in SCORED_KINDS}
        background = {(f["kind"], f["value"]) for f in entry["background"]}
        gold -= background  # a pair listed both ways counts neither way
        scored = found - background
        true_positive += len(scored & gold)
        predicted += len(scored)
        if row["id"] in truth:
            annotated_tp += len(scored & gold)
            annotated_predicted += len(scored)
        expected += len(gold)
        for pair in sorted(scored - gold):
            errors.append(f"FP {row['id'][:6]} {pair}")
        for pair in sorted(gold - scored):
            errors.append(f"FN {row['id'][:6]} {pair}")
    return {
        "precision": true_positive / predicted if predicted else 1.0,
        "recall": true_positive / expected if expected else 1.0,
        # precision over the annotated (violent-event) articles only
        "annotated_precision": annotated_tp / annotated_predicted if annotated_predicted else 1.0,
        "predicted": predicted,
        "expected": expected,
        "errors": errors,
    }


def score_gva(shared: Path, limit: int | None = None) -> dict[str, float]:
    """Headline accuracy: the largest killed (injured) value of a story equals the official count.

    Over stories whose count is positive and written (``states_value``) in the title or
    text of one of its articles. Articles are grouped by their gold story here, so
    this measures extraction alone, apart from clustering.
    """
    rows = _read_jsonl(shared / "corpus" / "gva" / "articles.jsonl")
    stories = {s["story"]: s for s in _read_jsonl(shared / "corpus" / "gva" / "stories.jsonl")}
    members: dict[str, list[Article]] = defaultdict(list)
    by_id = {r["id"]: r for r in rows}
    for g in _read_jsonl(shared / "corpus" / "gva" / "gold.jsonl"):
        members[g["story"]].append(_article(by_id[g["id"]]))
    hits = {k: 0 for k in SCORED_KINDS}
    totals = {k: 0 for k in SCORED_KINDS}
    errors: list[str] = []
    for story_id in sorted(members)[:limit]:
        story = stories.get(story_id)
        if story is None:
            continue
        articles = members[story_id]
        figures = extract(articles, {}).figures
        texts = [f"{a.title}\n{a.text}" for a in articles]
        for kind in SCORED_KINDS:
            official = story[kind]
            if official <= 0 or not any(states_value(text, official) for text in texts):
                continue
            values = [f.value for f in figures if f.kind == kind]
            largest = max(values) if values else 0
            totals[kind] += 1
            if largest == official:
                hits[kind] += 1
            else:
                errors.append(f"{kind} story {story_id}: official {official}, largest {largest} {sorted(set(values))}")
    return {
        **{f"{k}_accuracy": hits[k] / totals[k] if totals[k] else 1.0 for k in SCORED_KINDS},
        **{f"{k}_stories": totals[k] for k in SCORED_KINDS},
        "errors": errors,
    }


@pytest.mark.corpus
def test_ecbplus_figures_meet_the_bars(shared_dir: Path) -> None:
    # measured P 0.967 / R 0.871 over all 496 articles
    scores = score_ecbplus(shared_dir)
    assert scores["precision"] >= 0.95, scores["errors"][:20]
    assert scores["recall"] >= 0.85, scores["errors"][:20]


@pytest.mark.corpus
def test_every_quote_is_verbatim_and_states_its_value(shared_dir: Path) -> None:
    rows = _read_jsonl(shared_dir / "corpus" / "ecbplus" / "articles.jsonl")
    checked = 0
    for row in rows:
        article = _article(row)
        for figure in extract([article], {}).figures:
            # a figure quotes a sentence of the body or, when only it states the count, the headline
            assert figure.quote in article.text or figure.quote == " ".join(article.title.split()), figure
            assert states_value(figure.quote, figure.value), figure
            checked += 1
    assert checked > 150


@pytest.mark.corpus
def test_gva_headline_counts_match_official_counts(shared_dir: Path) -> None:
    # measured 0.730 / 0.722 on these 600 stories (0.722 / 0.679 on all 1,621); the target
    # bars (0.90 / 0.85) are not met yet
    scores = score_gva(shared_dir, limit=600)
    assert scores["killed_accuracy"] >= 0.71, scores["errors"][:20]
    assert scores["injured_accuracy"] >= 0.70, scores["errors"][:20]


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "ecbplus"
    result = score_ecbplus(SHARED) if which == "ecbplus" else score_gva(SHARED)
    for line in result.pop("errors"):
        print(line)
    print(json.dumps(result, indent=1))
