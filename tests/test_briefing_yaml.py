"""The briefing YAML layer: any value survives a write and a read; any input is read safely."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.briefing_schema import read_tree, tree_to_document
from briefgen.briefing_yaml import emit, plain_ok, reads_back_as, render
from briefgen.diagnostics import BriefgenError


def document(text: str, other: str, number: int = 58) -> dict:
    """A complete briefing document with ``text`` in every free-text field."""
    return {
        "version": 1, "id": "b-0123456789", "slug": "a-slug", "title": text or "t", "pinned": False,
        "summary": [{"id": "s1", "text": text, "sources": ["a/1"], "checked": False}],
        "figures": [{"id": "f1", "kind": "killed", "value": number, "qualifier": None,
                     "group": other, "cumulative": True, "period": None, "date": "2020-09-28",
                     "reported_by": text, "reporter_type": "party", "source": "a/1",
                     "quote": text, "checked": True, "note": other}],
        "disputes": [{"type": "revision", "figures": ["f1"], "note": text}],
        "claims": [], "actors": [{"name": other or "x", "kind": "country", "sources": ["a/1"]}],
        "places": [],
        "timeline": [{"id": "t1", "date": None, "when": other, "text": text or "t", "source": "a/1",
                      "quote": text, "checked": False}],
        "background": [{"id": "bg1", "text": text, "sources": ["a/1", "000_c581fe545c0f88e6"],
                        "checked": False}],
        "sources": [{"ref": 1, "key": "a/1", "title": other or "t", "publisher": None,
                     "url": "https://example.org/a?b=c#d", "published": None, "author": text,
                     "copy_of": None},
                    {"ref": 2, "key": "000_c581fe545c0f88e6", "title": "t", "publisher": None,
                     "url": None, "published": "2020-09-29", "author": None, "copy_of": "a/1"}],
        "articles": ["000_c581fe545c0f88e6", "a/1"], "excluded": ["a/2"],
        "deleted": {"figures": ["f2"], "actors": [other or "y"]}, "notes": text or None,
    }


def read(text: str) -> dict:
    doc, problems = tree_to_document(read_tree(text, "x.yaml"), "x.yaml")
    assert not problems, problems
    return doc


TRICKY = ["", " ", "yes", "No", "null", "~", "1", "0x1F", "1_000", "1:20", "2020-09-28", ".inf",
          "- item", "key: value", "a #b", "#c", "ends:", "'quoted'", '"dq"', "tab\there",
          "trailing ", " leading", "multi\nline\n", "multi\n\nblank\n\n", "no newline\nend",
          "\u2028sep", "bell\x07", "emoji \U0001F600", "ünïcödé — “quotes”", "[not, a, list]",
          "{not: map}", "&anchor", "*alias", "!tag", "%percent", "@at", "`tick", "|pipe", ">gt",
          "\u00b9", "0?&", "a,b", "x]y",
          "a" * 200, ("word " * 60).strip(), "x: " + "y " * 50, "\\back\\slash", "<<", "="]


@pytest.mark.parametrize("text", TRICKY)
def test_house_layout_reads_back_exactly(text):
    doc = document(text, text.strip() or "g")
    assert read(emit(doc)) == doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(alphabet=string.printable, max_size=40),
       st.integers(min_value=0, max_value=10**9))
def test_any_text_survives_a_write_and_a_read(text, other, number):
    doc = document(text, other.strip() or "g", number)
    written, _ = render(doc)
    assert read(written) == doc
    # the editor's layout updated with other values reads back too
    changed = document(other, text.strip()[:40] or "h", number + 1)
    rewritten, _ = render(changed, written)
    assert read(rewritten) == changed


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_input_is_refused_or_read_never_crashes(text):
    try:
        tree = read_tree(text, "x.yaml")
    except BriefgenError:
        return
    tree_to_document(tree, "x.yaml")


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["title", "figures", "value", "id", "kind",
                                                       "sources", "deleted", "x"]), inner, max_size=4),
                    max_leaves=20))
def test_random_structures_give_problems_not_crashes(data):
    import yaml
    text = yaml.safe_dump({"figures": data, "title": data} if not isinstance(data, dict) else data)
    try:
        tree = read_tree(text, "x.yaml")
    except BriefgenError:
        return
    tree_to_document(tree, "x.yaml")


def test_plain_text_is_only_used_when_unambiguous():
    assert plain_ok("Karabakh's defense ministry")
    for text in ("yes", "off", "12", "1e3", "2020-01-01", "- a", "a: b", "x #y", "", " a"):
        assert not plain_ok(text), text


def test_bomb_and_tags_are_refused_with_a_position():
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(BriefgenError) as caught:
        read_tree(bomb, "x.yaml")
    assert caught.value.problems[0].line == 1
    with pytest.raises(BriefgenError) as caught:
        read_tree("title: ok\nnotes: !!python/object/apply:os.system [ls]\n", "x.yaml")
    assert caught.value.problems[0].line == 2
    with pytest.raises(BriefgenError):
        read_tree("title: x\n" + "notes: " + "y" * 6_000_000 + "\n", "x.yaml")
    with pytest.raises(BriefgenError) as caught:
        read_tree("title: a\ntitle: b\n", "x.yaml")
    assert "duplicate key 'title'" in caught.value.problems[0].message


def test_reads_back_as_rejects_a_changed_value():
    doc = document("some text", "g")
    assert reads_back_as(emit(doc), doc)
    assert not reads_back_as(emit(doc).replace("value: 58", "value: 59"), doc)
