"""Time anchors and dates: only from the article's own publication date."""

from __future__ import annotations

from datetime import date

from briefgen.extract.sentences import split_sentences
from briefgen.extract.timeline import extract_events, resolve_relative_day, time_anchor
from briefgen.models import Article

TUESDAY = date(2020, 9, 29)


def test_time_anchor_keeps_the_words() -> None:
    assert time_anchor("Fighters were killed late Monday in clashes.") == "late Monday"
    assert time_anchor("On Monday night, forces launched an offensive.") == "Monday night"
    assert time_anchor("Clashes continued yesterday.") == "yesterday"
    assert time_anchor("The war ended long ago.") is None


def test_relative_days_resolve_to_the_latest_such_day() -> None:
    assert resolve_relative_day("Monday", TUESDAY) == "2020-09-28"
    assert resolve_relative_day("Tuesday", TUESDAY) == "2020-09-29"
    assert resolve_relative_day("late Wednesday", TUESDAY) == "2020-09-23"
    assert resolve_relative_day("yesterday", TUESDAY) == "2020-09-28"
    assert resolve_relative_day("March 3", TUESDAY) == "2020-03-03"
    assert resolve_relative_day("December 9, 2008", None) == "2008-12-09"


def test_no_date_is_invented_without_a_publication_date() -> None:
    assert resolve_relative_day("Monday", None) is None
    assert resolve_relative_day("yesterday", None) is None


def test_events_are_time_anchored_developments() -> None:
    text = "Fierce clashes continued on Monday, officials said. The region is mountainous."
    article = Article(id="a", path="a", title="t", text=text, published=TUESDAY)
    (event,) = extract_events(article, split_sentences(text), skip=set())
    assert event.when == "Monday" and event.date == "2020-09-28"
    assert event.quote in text
