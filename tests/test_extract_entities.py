"""Actors and places from the gazetteer and name patterns."""

from __future__ import annotations

from briefgen.extract.entities import extract_entities
from briefgen.models import Article


def test_countries_demonyms_organisations_people_and_places() -> None:
    text = ("Azerbaijani troops shelled the front line, officials in Baku and Yerevan said. "
            "France, Russia and the United States mediate as the Minsk Group. "
            "Spokesman Artsrun Hovhannisyan spoke in Nagorno-Karabakh after the collapse of the Soviet Union.")
    actors, places = extract_entities([Article(id="a", path="a", title="t", text=text)])
    names = {(e.name, e.kind) for e in actors}
    assert {("Azerbaijan", "country"), ("France", "country"), ("Russia", "country"),
            ("United States", "country"), ("Minsk Group", "organization"),
            ("Artsrun Hovhannisyan", "person"), ("Nagorno-Karabakh", "group")} <= names
    assert not any(e.name == "Soviet Union" for e in actors)
    assert {"Baku", "Yerevan"} <= {e.name for e in places}


def test_entities_list_every_article_naming_them() -> None:
    articles = [Article(id="b", path="b", title="t", text="Turkey backs Azerbaijan."),
                Article(id="a", path="a", title="t", text="Azerbaijan said so.")]
    actors, _ = extract_entities(articles)
    (azerbaijan,) = [e for e in actors if e.name == "Azerbaijan"]
    assert azerbaijan.articles == ["a", "b"]
