"""Title and summary: newest report first, lead sentences citing every article that states them."""

from __future__ import annotations

from datetime import date

from briefgen.extract.sentences import split_sentences
from briefgen.extract.summary import build_summary, choose_title, newest_first
from briefgen.models import Article, Figure

OLD = Article(id="old", path="o", title="Toll rises to 58", published=date(2020, 9, 28),
              text="Twenty-seven fighters died in clashes on Monday, officials said. The region is mountainous.")
NEW = Article(id="new", path="n", title="Toll rises to 84", published=date(2020, 9, 29),
              text="Twenty-six more fighters were killed in clashes late Monday, officials said. Fierce fighting continued through the day, officials said.")


def test_newest_dated_report_first_and_its_title_used() -> None:
    ordered = newest_first([OLD, NEW], [])
    assert [a.id for a in ordered] == ["new", "old"]
    assert choose_title(ordered) == "Toll rises to 84"


def test_undated_reports_are_ordered_by_the_larger_running_toll() -> None:
    a = Article(id="a", path="a", title="A", text="x")
    b = Article(id="b", path="b", title="B", text="y")
    tolls = [Figure(kind="killed", value=58, article="a", quote="x", cumulative=True),
             Figure(kind="killed", value=84, article="b", quote="y", cumulative=True)]
    assert [x.id for x in newest_first([a, b], tolls)] == ["b", "a"]


def test_summary_is_lead_sentences_with_citations() -> None:
    ordered = newest_first([OLD, NEW], [])
    sentences = {a.id: split_sentences(a.text) for a in ordered}
    summary = build_summary(ordered, sentences, excluded={})
    assert 2 <= len(summary) <= 4
    assert summary[0].text.startswith("Twenty-six more fighters") and summary[0].articles == ["new"]
    assert all(p.articles and p.key for p in summary)
