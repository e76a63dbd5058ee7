"""Background: context about the past or repeated across independent reports, merged."""

from __future__ import annotations

from briefgen.extract.background import (
    content_words,
    extract_background,
    is_past,
    similar,
)
from briefgen.extract.sentences import split_sentences
from briefgen.models import Article

CONTEXT = "No country recognizes the region's independence and the world considers it part of the state."


def run(articles, copies=None):
    sentences = {a.id: split_sentences(a.text) for a in articles}
    empty = {a.id: set() for a in articles}
    return extract_background(articles, sentences, copies or {}, empty, empty)


def test_context_repeated_across_independent_reports_is_one_passage() -> None:
    a = Article(id="a", path="a", title="t", text=f"Shelling hit the town on Monday. {CONTEXT}")
    b = Article(id="b", path="b", title="t", text=f"Two died in shelling late Monday. {CONTEXT.replace('considers', 'regards')}")
    passages, used = run([a, b])
    assert [p.articles for p in passages] == [["a", "b"]]
    assert used == {"a": {1}, "b": {1}}


def test_a_wire_copy_does_not_make_context_repeated() -> None:
    a = Article(id="a", path="a", title="t", text=f"Shelling hit the town on Monday. {CONTEXT}")
    copy = Article(id="c", path="c", title="t", text=f"Shelling hit the town on Monday. {CONTEXT}")
    passages, _ = run([a, copy], copies={"c": "a"})
    assert passages == []


def test_the_past_is_background_even_in_one_report() -> None:
    text = "Shelling hit the town on Monday. Talks largely stalled in 1994 when a ceasefire was agreed."
    passages, _ = run([Article(id="a", path="a", title="t", text=text)])
    assert [p.text for p in passages] == ["Talks largely stalled in 1994 when a ceasefire was agreed."]


def test_past_markers_and_near_duplicate_check() -> None:
    assert is_past("They have been locked in a dispute since the 1990s.", None)
    assert not is_past("Clashes continued on Monday.", None)
    assert similar(content_words(CONTEXT), content_words(CONTEXT.replace("considers", "regards")))
    assert not similar(content_words(CONTEXT), content_words("Shelling hit the town on Monday."))
