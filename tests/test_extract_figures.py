"""Figures in context: group, running toll or period, reporter, background, provenance."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.extract.figures import extract_figures
from briefgen.extract.numbers import number_words, states_value
from briefgen.extract.sentences import split_sentences
from briefgen.models import Article


def figures_of(text: str, published: date | None = None):
    article = Article(id="a", path="a.txt", title="t", text=text, published=published)
    return extract_figures(article, split_sentences(text))


def test_period_count_and_running_toll_are_told_apart() -> None:
    figures, _ = figures_of(
        "Twenty-seven separatist fighters died in clashes on Monday, officials in Nagorno-Karabakh said, "
        "bringing their military death toll to 58."
    )
    by_value = {f.value: f for f in figures}
    assert by_value[27].cumulative is False and by_value[27].period == "Monday"
    assert by_value[58].cumulative is True and by_value[58].period is None
    assert by_value[27].group == by_value[58].group == "military"
    assert by_value[58].reported_by == "officials in Nagorno-Karabakh"
    assert by_value[58].reporter_type == "party"


def test_a_pronoun_reporter_is_the_last_named_one() -> None:
    figures, _ = figures_of(
        "Two soldiers died on Monday, Karabakh's defense ministry said. It has previously put the number of deaths at 28."
    )
    (earlier,) = [f for f in figures if f.value == 28]
    assert earlier.reported_by == "Karabakh's defense ministry"
    assert earlier.group == "military"


def test_relative_day_is_dated_only_against_a_publication_date() -> None:
    text = "Five people were killed on Monday."
    (undated,), _ = figures_of(text)
    (dated,), _ = figures_of(text, published=date(2020, 9, 29))  # a Tuesday
    assert undated.date is None
    assert dated.date == "2020-09-28"


def test_figures_of_an_earlier_event_are_background() -> None:
    text = ("A quake killed 12 people on Sunday. Officials met. Rescuers dug. "
            "The region was hit by a tsunami that killed 230,000 people.")
    figures, background = figures_of(text)
    assert [f.value for f in figures] == [12]
    assert background == [3]


def test_keys_are_stable_and_content_derived() -> None:
    first, _ = figures_of("Three people were injured.")
    second, _ = figures_of("Three people were injured.")
    assert first[0].key == second[0].key and len(first[0].key) == 10


_NOUNS = ["people", "soldiers", "civilians", "children", "protesters"]
_VERBS = ["were killed", "were wounded", "died", "were arrested", "were injured"]


@settings(max_examples=60, deadline=None)
@given(
    value=st.integers(min_value=2, max_value=5000),
    spelled=st.booleans(),
    noun=st.sampled_from(_NOUNS),
    verb=st.sampled_from(_VERBS),
    filler=st.sampled_from(["", "Officials said the road was closed. ", "In 1994 a ceasefire was agreed. "]),
)
def test_every_quote_is_verbatim_and_states_its_value(value, spelled, noun, verb, filler) -> None:
    written = number_words(value) if spelled and value < 100 else f"{value:,}"
    text = f"{filler}At least {written} {noun} {verb} near the border, police said."
    figures, _ = figures_of(text)
    assert [f.value for f in figures] == [value]
    for figure in figures:
        assert figure.quote in text
        assert states_value(figure.quote, figure.value)
        assert figure.qualifier == "at least"
        assert figure.reported_by == "police"


def test_a_headline_count_is_used_when_the_body_does_not_state_it() -> None:
    text = "Police said the victims were taken to hospital. None of the injuries were life-threatening."
    article = Article(id="a", path="a.txt", title="Police: 4 people shot in southeast Fresno", text=text)
    figures, _ = extract_figures(article, split_sentences(text))
    assert [(f.kind, f.value, f.quote) for f in figures] == [
        ("injured", 4, "Police: 4 people shot in southeast Fresno")]


def test_a_body_sentence_is_cited_before_the_headline_stating_the_same_count() -> None:
    text = "Two men were wounded on Monday, police said."
    article = Article(id="a", path="a.txt", title="2 men wounded", text=text)
    figures, _ = extract_figures(article, split_sentences(text))
    assert [f.quote for f in figures] == [text]


def test_roundups_and_other_incidents_are_background() -> None:
    figures, background = figures_of(
        "A man was shot and killed on Main Street on Sunday. "
        "Five people were killed and 17 others wounded in separate shootings across the city. "
        "The shooting came a month after a gunman killed 20 people at a school. "
        "Last October, three people were killed at a festival nearby."
    )
    assert [(f.kind, f.value) for f in figures] == [("killed", 1)]
    assert background == [1, 2, 3]
