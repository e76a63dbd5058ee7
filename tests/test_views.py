"""What the render stage's page models load, and what they keep (briefgen.views)."""

from __future__ import annotations

from briefgen.models import Briefing
from briefgen.views import BriefingPage, PublisherItem


def _page(asked: list[tuple[str, str]]) -> BriefingPage:
    entries = [{"publisher": "Reuters", "ref": 1, "title": "Clashes kill 27"},
               {"publisher": "AP", "ref": 2, "title": "Toll rises to 84"}]

    def summary(record_id: str, name: str) -> list:
        asked.append((record_id, name))
        return [dict(entry) for entry in entries]

    return BriefingPage(Briefing(id="b1", slug="war", title="War", articles=["a1", "a2"]), "war", "briefings/war.html",
                        summary=summary)


def test_source_entries_read_from_the_summary_are_not_kept():
    asked: list[tuple[str, str]] = []
    page = _page(asked)
    reuters, ap = PublisherItem(page, 0), PublisherItem(page, 1)
    assert [reuters.source["title"], ap["source"]["title"]] == ["Clashes kill 27", "Toll rises to 84"]
    assert asked == [("b1", "source_entries")] * 2
    # neither the page nor the item holds them: a large site's publisher pages
    # would otherwise end up holding every briefing's entries at once
    assert "source_entries" not in page._parts and not hasattr(reuters, "__dict__")


def test_entries_given_up_front_are_used_as_they_are():
    entries = [{"publisher": "Reuters", "ref": 1, "title": "Clashes kill 27"}]
    page = BriefingPage(Briefing(id="b1", slug="war", title="War", articles=["a1", "a2"]), "war", "briefings/war.html",
                        source_entries=entries)
    assert page.source_entries is entries
    assert page.source_refs == [("reuters", 1)]
