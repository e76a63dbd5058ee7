"""Briefing files as a set: ids, slugs and articles across files, and odd files."""

from __future__ import annotations

import os

import pytest
from test_briefing import Desk, fig, two_briefings

from briefgen import briefing
from briefgen.diagnostics import BriefgenError


@pytest.fixture
def desk(tmp_path) -> Desk:
    d = Desk(tmp_path / "project")
    d.add("a1", "war", title="Clashes kill 27", figures=(fig(27, cumulative=False), fig(58)))
    d.add("a2", "war", title="Toll rises to 84", figures=(fig(84),))
    return d


def messages(desk: Desk) -> str:
    return "\n".join(str(p) for p in briefing.check(desk.project))


def test_an_article_in_two_lists_is_a_move_only_when_one_list_is_new(desk):
    war, peace = two_briefings(desk)
    desk.edit("articles:\n", "articles:\n  - a2\n", peace)  # added here, still listed in war
    desk.build()
    assert desk.data(peace)["articles"] == ["a2", "p1", "p2"]
    assert desk.data(war)["articles"] == ["a1"]
    desk.edit("articles:\n", "articles:\n  - p1\n", war)
    desk.edit("  - p1\n", "", peace)
    desk.edit("articles:\n", "articles:\n  - p1\n", peace)  # now listed in both, both "old"
    text = messages(desk)
    assert text == ""  # p1 is new in war only: a move
    desk.build()
    assert "p1" in desk.data(war)["articles"] and "p1" not in desk.data(peace)["articles"]


def test_an_article_newly_listed_twice_is_a_problem(desk):
    war, _ = two_briefings(desk)
    (desk.folder / "third.yaml").write_text("articles: [p1]\n", encoding="utf-8")
    desk.edit("articles:\n", "articles:\n  - p1\n", war)
    assert "article 'p1' is listed in more than one briefing" in messages(desk)


def test_merged_into_must_name_another_briefing(desk):
    war, peace = two_briefings(desk)
    desk.edit("pinned: false", "pinned: false\nmerged_into: no-such-thing", peace)
    assert "merged_into 'no-such-thing' is not the slug of another briefing" in messages(desk)
    desk.edit("merged_into: no-such-thing", f"merged_into: {peace.stem}", peace)
    assert "it names this briefing itself" in messages(desk)
    desk.edit(f"merged_into: {peace.stem}", f"merged_into: {war.stem}", peace)
    desk.edit("pinned: false", f"pinned: false\nmerged_into: {peace.stem}", war)
    assert "merged_into forms a cycle" in messages(desk)


def test_a_copied_file_with_the_same_id_is_a_problem(desk):
    desk.build()
    original = desk.only()
    (desk.folder / "copy.yaml").write_text(original.read_text(encoding="utf-8").replace(
        f"slug: {original.stem}", "slug: copy"), encoding="utf-8")
    assert "each briefing needs its own id" in messages(desk)


def test_two_files_claiming_one_slug_is_a_problem(desk):
    war, peace = two_briefings(desk)
    desk.edit(f"slug: {peace.stem}", f"slug: {war.stem}", peace)
    assert f"slug '{war.stem}' is also used by" in messages(desk)


def test_file_names_and_slugs_must_be_safe(desk):
    desk.build()
    desk.edit(f"slug: {desk.only().stem}", "slug: ../../etc/passwd")
    assert "'slug' must be lower-case letters, digits and '-'" in messages(desk)


def test_symlinked_and_oversized_files_are_refused(desk, tmp_path):
    desk.build()
    outside = tmp_path / "outside.yaml"
    outside.write_text("title: x\narticles: [a1]\n", encoding="utf-8")
    os.symlink(outside, desk.folder / "linked.yaml")
    assert "is a symbolic link" in messages(desk)
    (desk.folder / "linked.yaml").unlink()
    (desk.folder / "huge.yaml").write_bytes(b"notes: " + b"x" * 5_100_000 + b"\n")
    assert "larger than" in messages(desk)


def test_byte_order_mark_and_windows_line_ends_are_read(desk):
    desk.build()
    path = desk.only()
    text = path.read_text(encoding="utf-8").replace("value: 58", "value: 60")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    desk.build()
    assert [f["value"] for f in desk.data()["figures"]] == [27, 60, 84]
    assert b"\r\n" not in path.read_bytes()


def test_a_damaged_merge_record_is_reported(desk):
    desk.build()
    record = next((desk.folder / "merge-records").glob("*.json"))
    record.write_text('{"id": "b-1", <<<<<<< HEAD', encoding="utf-8")
    assert "merge record is damaged" in messages(desk)
    with pytest.raises(BriefgenError):
        briefing.load_all(desk.project)


def test_a_file_the_editor_writes_without_articles_is_kept(desk):
    desk.build()
    (desk.folder / "desk-notes.yaml").write_text(
        "title: What we know about the ceasefire\nnotes: Collecting sources.\n", encoding="utf-8")
    briefings, _ = desk.build()
    made = next(b for b in briefings if b.slug == "desk-notes")
    assert made.articles == [] and made.notes == "Collecting sources."
    assert desk.data(desk.folder / "desk-notes.yaml")["id"] == made.id
    _, report = desk.build()
    assert report.created == report.updated == 0


def test_changing_the_id_keeps_the_file_and_its_articles(desk):
    desk.build()
    path = desk.only()
    old_id = desk.data()["id"]
    desk.edit(f"id: {old_id}", "id: b-mine")
    desk.build()
    assert desk.files() == [path]
    data = desk.data()
    assert data["id"] == "b-mine" and data["articles"] == ["a1", "a2"]
    assert [f["id"] for f in data["figures"]] == ["f1", "f2", "f3"]
    assert not (desk.folder / "merge-records" / f"{old_id}.json").exists()


def test_a_pinned_briefing_passes_new_articles_to_the_next_one_of_the_story(desk):
    desk.add("a3", "war", title="Third report")
    desk.build()
    war = desk.only()
    desk.edit("  - a3\n", "")  # a3 splits off into its own briefing
    desk.build()
    (split,) = [p for p in desk.files() if p != war]
    desk.edit("pinned: false", "pinned: true", war)
    desk.add("a4", "war", title="Fourth report")
    desk.build()
    assert desk.data(war)["articles"] == ["a1", "a2"]
    assert desk.data(split)["articles"] == ["a3", "a4"]
    assert len(desk.files()) == 2


def test_a_linked_briefings_folder_is_neither_read_nor_written(desk, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.yaml").write_text("title: Secret\narticles: [a1]\n", encoding="utf-8")
    desk.folder.parent.mkdir(parents=True)
    os.symlink(elsewhere, desk.folder)
    assert "is a symbolic link" in messages(desk)
    with pytest.raises(BriefgenError):
        desk.build()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["secret.yaml"]


def test_deep_nesting_is_a_located_problem(desk):
    desk.build()
    (desk.folder / "deep.yaml").write_text("title: x\nnotes: " + "[" * 3000 + "]" * 3000 + "\n",
                                           encoding="utf-8")
    problems = briefing.check(desk.project)
    assert [(p.path.endswith("deep.yaml"), p.line) for p in problems] == [(True, 2)]


def test_an_id_that_is_not_unicode_stops_the_build_before_any_write(desk):
    desk.build()
    before = desk.snapshot()
    odd = os.fsdecode(b"caf\xe9-report")  # what a non-UTF-8 file name decodes to
    desk.add(odd, "war", title="Caf\u00e9 report", figures=(fig(3, kind="injured"),))
    with pytest.raises(BriefgenError) as caught:
        desk.build()
    assert "is not valid Unicode" in str(caught.value)
    assert desk.snapshot() == before


def test_a_deleted_file_yields_its_slug_to_a_file_renamed_onto_it(desk):
    war, peace = two_briefings(desk)
    war_slug = war.stem
    war.unlink()  # hand the war briefing back to the machine ...
    peace.rename(war)  # ... and give its slug to the peace briefing
    desk.build()
    assert desk.data(war)["articles"] == ["p1", "p2"]
    regenerated = [p for p in desk.files() if p != war]
    assert len(regenerated) == 1 and regenerated[0].stem == f"{war_slug}-2"
    assert desk.data(regenerated[0])["articles"] == ["a1", "a2"]
