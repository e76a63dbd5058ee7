"""The stage cache under .briefgen/: a shortcut only, never a second source of truth."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from collections.abc import Mapping

import pytest
from test_briefing import Desk, fig

from briefgen import briefing, briefing_store
from briefgen.models import (
    Briefing,
    Claim,
    Dispute,
    Entity,
    Event,
    Figure,
    Passage,
    Source,
)


@pytest.fixture
def desk(tmp_path) -> Desk:
    d = Desk(tmp_path / "project")
    d.add("a1", "war", title="Clashes kill 27", published="2020-09-28",
          figures=(fig(27, cumulative=False), fig(58)), claims=(("Baku", "shelling came first"),),
          events=(("Fighting broke out", "2020-09-27"),), actors=("Armenia",),
          background=("A 1994 ceasefire ended the war.",))
    d.add("a2", "war", title="Toll rises to 84", published="2020-09-29", figures=(fig(84),))
    d.add("p1", "peace", title="Talks resume in Geneva", published="2020-10-02",
          claims=(("Mediators", "both sides attend"),))
    return d


@pytest.fixture
def trusting(monkeypatch):
    """Let the cache trust files written a moment ago (tests run faster than timestamp ticks)."""
    monkeypatch.setattr(briefing_store, "RACY_NS", -10**12)


def cache_folder(desk: Desk):
    return desk.project.cache_dir / briefing_store.CACHE_DIR


def damage(folder) -> None:
    for shard in folder.iterdir():
        shard.write_bytes(b"not a pickle")


def test_a_rebuild_from_the_cache_equals_one_without_it(desk, tmp_path, trusting):
    twin = Desk(tmp_path / "twin")
    twin.articles, twin.facts, twin.stories = desk.articles, desk.facts, desk.stories
    desk.build()
    twin.build()
    desk.add("a3", "war", title="Ceasefire breaks down", published="2020-10-05", figures=(fig(90),))
    desk.edit("title: Talks resume in Geneva", "title: Talks resume", desk.folder / "talks-resume-in-geneva.yaml")
    twin.edit("title: Talks resume in Geneva", "title: Talks resume", twin.folder / "talks-resume-in-geneva.yaml")
    for _ in range(2):
        assert any(cache_folder(desk).glob("*.pickle"))
        shutil.rmtree(twin.project.cache_dir, ignore_errors=True)
        ours, our_report = desk.build()
        theirs, their_report = twin.build()
        assert ours == theirs
        assert str(our_report) == str(their_report)
        assert {k: v[0] for k, v in desk.snapshot().items()} == \
            {k: v[0] for k, v in twin.snapshot().items()}


def test_unchanged_briefings_are_neither_read_nor_merged(desk, monkeypatch, trusting):
    before, _ = desk.build()
    desk.build()  # files written by the first build are known by their status from now on
    snapshot = desk.snapshot()

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged briefing was read or merged")

    monkeypatch.setattr(briefing_store, "_read_record", refuse)
    monkeypatch.setattr(briefing_store, "read_tree", refuse)
    monkeypatch.setattr(briefing, "_merge_one", refuse)
    after, report = desk.build()
    assert after == before and report.unchanged == 2
    assert desk.snapshot() == snapshot


def test_an_edit_keeping_size_and_mtime_is_still_seen(desk, trusting):
    desk.build()
    path = desk.folder / "clashes-kill-27.yaml"
    desk.build()
    stat = path.stat()
    desk.edit("title: Clashes kill 27", "title: Clashes kill 99", path)  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    briefings, _ = desk.build()
    assert desk.data(path)["title"] == "Clashes kill 99"
    assert {b.title for b in briefings} == {"Clashes kill 99", "Talks resume in Geneva"}


def test_a_damaged_or_stale_cache_is_ignored(desk, tmp_path, trusting):
    first, _ = desk.build()
    snapshot = desk.snapshot()
    damage(cache_folder(desk))
    again, report = desk.build()
    assert again == first and report.unchanged == 2 and desk.snapshot() == snapshot
    old_cache = tmp_path / "old-cache"
    shutil.copytree(cache_folder(desk), old_cache)
    path = desk.folder / "clashes-kill-27.yaml"
    desk.edit("title: Clashes kill 27", "title: Clashes kill 99", path)
    edited, _ = desk.build()
    edited_files = desk.snapshot()
    shutil.rmtree(cache_folder(desk))
    shutil.copytree(old_cache, cache_folder(desk))  # a cache from before the edit and its rebuild
    again, report = desk.build()
    assert again == edited and report.unchanged == 2 and desk.snapshot() == edited_files
    assert desk.data(path)["title"] == "Clashes kill 99"


def test_a_record_restored_from_version_control_is_read_again(desk, trusting):
    desk.build()
    path = desk.folder / "clashes-kill-27.yaml"
    record = desk.folder / "merge-records" / f"{desk.data(path)['id']}.json"
    desk.build()
    desk.edit("title: Clashes kill 27", "title: Clashes kill 99", desk.folder / "clashes-kill-27.yaml")
    kept = record.read_bytes()
    desk.build()
    assert record.read_bytes() != kept
    record.write_bytes(kept)  # the record of before the edit, with the edited file: an edit
    desk.build()
    assert desk.data(desk.folder / "clashes-kill-27.yaml")["title"] == "Clashes kill 99"


def full_briefing() -> Briefing:
    return Briefing(
        id="b-1", slug="s", title="T", articles=["a1"],
        summary=[Passage("Text.", ["a1"], key="k", id="s1", checked=True, origin="machine")],
        figures=[Figure(kind="killed", value=3, article="a1", quote="q", group=None, id="f1")],
        disputes=[Dispute("conflict", ["f1", "f2"], "")],
        claims=[Claim("Who", "what", "a1", "quote", key="c", id="c1")],
        actors=[Entity("Armenia", "country", ["a1"])], places=[],
        events=[Event("Fighting", "a1", "q", date="2020-01-01", id="e1")],
        background=[], sources=[Source(key="a1", ref=1, title="T", publisher=None, url=None,
                                       published="2020-01-01", author=None, copy_of=None)],
        notes="n", old_slugs=["old"], pinned=False, updated="2020-01-01")


def test_frozen_briefings_thaw_equal():
    original = full_briefing()
    blob = briefing.freeze_briefing(original)
    assert blob[:1] == b"l"
    thawed = briefing.thaw_briefing(blob)
    assert thawed == original and thawed is not original
    assert type(thawed.figures[0]) is Figure and thawed.figures[0].__dict__ == original.figures[0].__dict__
    assert type(thawed) is Briefing and list(thawed.__dict__) == list(original.__dict__)
    assert briefing.freeze_briefing(thawed) == blob
    odd = full_briefing()
    odd.updated = dt.date(2020, 1, 1)  # not a value marshal holds: pickled instead
    blob = briefing.freeze_briefing(odd)
    assert blob[:1] == b"p" and briefing.thaw_briefing(blob) == odd


def test_a_thawed_briefing_unpacks_its_body_only_when_read():
    original = full_briefing()
    blob = briefing.freeze_briefing(original)
    thawed = briefing.thaw_briefing(blob)
    assert {name: getattr(thawed, name) for name in briefing.HEAD_FIELDS} == \
        {name: getattr(original, name) for name in briefing.HEAD_FIELDS}
    assert "figures" not in thawed.__dict__  # the head alone was unpacked
    assert thawed.figures[0].__dict__ == original.figures[0].__dict__
    assert type(thawed) is Briefing and thawed == original
    lazy = briefing.thaw_briefing(blob)  # compared before anything else is read, either way round
    assert lazy == original and original == briefing.thaw_briefing(blob)
    assert briefing.freeze_briefing(briefing.thaw_briefing(blob)) == blob
    assert pickle.loads(pickle.dumps(briefing.thaw_briefing(blob))) == original
    assert not hasattr(briefing.thaw_briefing(blob), "no_such_field")
    whole = briefing.thaw_briefing(blob, whole=True)
    assert type(whole) is Briefing and "figures" in whole.__dict__ and whole == original
    # a field left to the body must not have a class-level default, which would be read instead
    body = [name for name in Briefing.__dataclass_fields__ if name not in briefing.HEAD_FIELDS]
    assert body and not [name for name in body if hasattr(Briefing, name)]


def test_an_unpacked_copy_leaves_the_packed_briefing_packed():
    """The render stage reads every briefing's body once for its link facts; briefings
    handed on packed stay packed, so they are not all held whole at once."""
    original = full_briefing()
    packed = briefing.thaw_briefing(briefing.freeze_briefing(original))
    copy = packed.unpacked()
    assert type(copy) is Briefing and copy is not packed and "figures" in copy.__dict__
    assert list(copy.__dict__) == list(original.__dict__) and copy == original
    assert "figures" not in packed.__dict__ and "_body" in packed.__dict__
    assert packed == original  # and it still unpacks itself when read
    assert type(packed) is Briefing  # once read, a plain Briefing: nothing left to copy


def test_the_quick_key_tells_every_machine_value_apart(desk):
    extraction = desk.extract([desk.articles["a1"]])
    key = briefing._quick_key(extraction, [("a1", "t")], [])
    assert key == briefing._quick_key(desk.extract([desk.articles["a1"]]), [("a1", "t")], [])
    extraction.figures[0].group = "civilians"
    assert briefing._quick_key(extraction, [("a1", "t")], []) != key
    extraction.figures[0].group = "military"
    assert briefing._quick_key(extraction, [("a1", "t")], []) == key
    extraction.figures[0].value = 27.0  # equal to 27, but not the same value
    assert briefing._quick_key(extraction, [("a1", "t")], []) != key
    assert briefing._quick_key(extraction, [("a1", "u")], []) != key


class KeyedExtractions(Mapping):
    """Like the build's mapping: names what each extraction came from; reads only on demand."""

    def __init__(self, desk: Desk, plans, refuse: bool = False):
        self.desk, self.refuse = desk, refuse
        self.plans = {p.id: p for p in plans}

    def key(self, plan_id):
        return "|".join(self.plans[plan_id].article_ids)

    def __getitem__(self, plan_id):
        if self.refuse:
            raise AssertionError("an unchanged briefing's extraction was read")
        return self.desk.extract([self.desk.articles[a] for a in self.plans[plan_id].article_ids])

    def __iter__(self):
        return iter(self.plans)

    def __len__(self):
        return len(self.plans)


def test_merged_briefings_are_handed_on_whole_and_unchanged_ones_as_heads(desk, trusting):
    merged, _ = desk.build()
    assert merged and all(type(b) is Briefing for b in merged)  # their pages are rendered anew
    unchanged, report = desk.build()
    assert report.unchanged == len(unchanged) and all(type(b) is briefing.LazyBriefing for b in unchanged)
    assert unchanged == merged


def test_without_the_cache_unchanged_briefings_hold_no_record_or_text(desk, trusting):
    """The first build after an upgrade finds no usable cache: it reads every record
    to check it and rebuilds every unchanged briefing from it, but keeps neither
    records nor file texts for all of them at once (at 100k they pass 2 GiB)."""
    first, _ = desk.build()
    snapshot = desk.snapshot()
    shutil.rmtree(cache_folder(desk))  # as after an upgrade: no entry is reused
    store = briefing.load_all(desk.project)
    plans = briefing.plan(store, desk.story_list(), desk.articles, desk.settings)
    extractions = {p.id: desk.extract([desk.articles[a] for a in p.article_ids]) for p in plans}
    again = briefing.reconcile(store, plans, extractions, desk.articles)
    assert all(store.results[b.id].unchanged for b in again) and len(again) == 2
    assert all(stored._record is briefing_store._UNREAD and stored._text is briefing_store._UNREAD
               for stored in store.briefings.values())
    report = briefing.save_all(desk.project, store, again)
    assert again == first and report.unchanged == 2 and desk.snapshot() == snapshot


def test_unchanged_briefings_need_no_extraction(desk, trusting):
    def build(refuse: bool):
        store = briefing.load_all(desk.project)
        plans = briefing.plan(store, desk.story_list(), desk.articles, desk.settings)
        briefings = briefing.reconcile(store, plans, KeyedExtractions(desk, plans, refuse),
                                       desk.articles)
        return briefings, briefing.save_all(desk.project, store, briefings)

    first, _ = desk.build()
    build(refuse=False)  # the machine's hash is now known by the extraction's key
    snapshot = desk.snapshot()
    again, report = build(refuse=True)
    assert again == first and report.unchanged == 2 and desk.snapshot() == snapshot


def test_a_build_rewrites_only_the_shards_of_what_changed(desk, trusting):
    desk.build()
    desk.build()
    folder = cache_folder(desk)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    desk.edit("title: Talks resume in Geneva", "title: Talks resume",
              desk.folder / "talks-resume-in-geneva.yaml")
    desk.build()
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    kept = [name for name in before if after.get(name) == before[name]]
    assert kept and len(kept) < len(before)
