"""Briefing files: hand edits survive rebuilds, membership follows the editor, writes are safe.

The tests drive the briefing stage directly (load_all -> plan -> reconcile ->
save_all) with tiny articles and a stand-in extractor whose output is a pure
function of the articles' facts, so each test controls exactly what "the
machine" says on every rebuild.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from briefgen import briefing
from briefgen.config import Project, Settings
from briefgen.diagnostics import BriefgenError
from briefgen.models import (
    Article,
    Claim,
    Entity,
    Event,
    Extraction,
    Figure,
    Passage,
    Story,
)

# ---------------------------------------------------------------------------
# A small newsroom: articles, their facts, and the stage run end to end
# ---------------------------------------------------------------------------

def fig(value: int, kind: str = "killed", group: str = "military", cumulative: bool = True,
        reported_by: str | None = "the defense ministry", quote: str | None = None) -> dict:
    return {"kind": kind, "value": value, "group": group, "cumulative": cumulative,
            "reported_by": reported_by, "quote": quote or f"The ministry said {value} were {kind}."}


class Desk:
    """A project folder plus the articles and facts the stand-in extractor reports."""

    def __init__(self, root: Path):
        self.root = root
        self.project = Project(root)
        self.articles: dict[str, Article] = {}
        self.facts: dict[str, dict] = {}
        self.stories: list[list[str]] = []
        self.settings = Settings()
        self.last = None
        self.jobs = 1  # processes reconcile may use

    def add(self, aid: str, story: str, title: str | None = None, published: str | None = None,
            figures: tuple = (), claims: tuple = (), events: tuple = (), actors: tuple = (),
            background: tuple = ()) -> None:
        self.articles[aid] = Article(id=aid, path=f"content/articles/{aid}.md",
                                     title=title or f"Report {aid}", text="body",
                                     published=dt.date.fromisoformat(published) if published else None)
        self.facts[aid] = {"figures": list(figures), "claims": list(claims), "events": list(events),
                           "actors": list(actors), "background": list(background)}
        for members in self.stories:
            if members[0].split(":")[0] == story:
                members.append(f"{story}:{aid}")
                break
        else:
            self.stories.append([f"{story}:{aid}"])

    def story_list(self) -> list[Story]:
        return [Story(sorted(m.split(":", 1)[1] for m in members if m.split(":", 1)[1] in self.articles))
                for members in self.stories]

    def extract(self, articles: list[Article]) -> Extraction:
        ex = Extraction(title=min(articles, key=lambda a: a.id).title if articles else "")
        for article in sorted(articles, key=lambda a: a.id):
            facts = self.facts[article.id]
            ex.summary.append(Passage(f"{article.title}.", [article.id], key=f"s|{article.id}"))
            for spec in facts["figures"]:
                ex.figures.append(Figure(article=article.id, key=f"{article.id}|{spec['kind']}|{spec['value']}",
                                         **spec))
            for who, what in facts["claims"]:
                ex.claims.append(Claim(who, what, article.id, f"{who} said {what}.",
                                       key=f"{article.id}|{who}"))
            for text, date in facts["events"]:
                ex.events.append(Event(text, article.id, text, date=date, key=f"{article.id}|{text}"))
            for text in facts["background"]:
                ex.background.append(Passage(text, [article.id], key=f"bg|{text}"))
            for name in facts["actors"]:
                if not any(e.name == name for e in ex.actors):
                    ex.actors.append(Entity(name, "country", [article.id]))
        return ex

    def build(self):
        store = briefing.load_all(self.project)
        plans = briefing.plan(store, self.story_list(), self.articles, self.settings)
        for plan in plans:
            assert plan.article_ids == sorted(plan.article_ids)
        extractions = {p.id: self.extract([self.articles[a] for a in p.article_ids]) for p in plans}
        briefings = briefing.reconcile(store, plans, extractions, self.articles, jobs=self.jobs)
        report = briefing.save_all(self.project, store, briefings)
        self.last = {b.slug: b for b in briefings}
        return briefings, report

    # -- the editor's side -----------------------------------------------------
    @property
    def folder(self) -> Path:
        return self.root / "content" / "briefings"

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml"))

    def only(self) -> Path:
        files = self.files()
        assert len(files) == 1, files
        return files[0]

    def text(self, path: Path | None = None) -> str:
        return (path or self.only()).read_text(encoding="utf-8")

    def data(self, path: Path | None = None) -> dict:
        return yaml.safe_load(self.text(path))

    def edit(self, old: str, new: str, path: Path | None = None, count: int = 1) -> None:
        path = path or self.only()
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= count, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        return {str(p.relative_to(self.root)): (p.read_bytes(), p.stat().st_mtime_ns)
                for p in sorted(self.folder.rglob("*")) if p.is_file()}


def item(data: dict, section: str, ident: str) -> dict | None:
    return next((i for i in data[section] if i.get("id") == ident or i.get("key") == ident), None)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    d = Desk(tmp_path / "project")
    d.add("a1", "war", title="Clashes kill 27", published="2020-09-28",
          figures=(fig(27, cumulative=False), fig(58)), claims=(("Baku", "shelling came first"),),
          events=(("Fighting broke out", "2020-09-27"),), actors=("Armenia", "Azerbaijan"),
          background=("A 1994 ceasefire ended the war.",))
    d.add("a2", "war", title="Toll rises to 84", published="2020-09-29",
          figures=(fig(84),), claims=(("Yerevan", "Baku started it"),))
    return d


# ---------------------------------------------------------------------------
# The machine's part
# ---------------------------------------------------------------------------

def test_first_build_writes_one_readable_file_and_a_merge_record(desk):
    briefings, report = desk.build()
    assert report.created == 1 and len(briefings) == 1
    text = desk.text()
    assert text.startswith("# Briefing generated by briefgen")
    data = desk.data()
    assert data["version"] == 1 and data["id"].startswith("b-")
    assert data["articles"] == ["a1", "a2"]
    assert [f["id"] for f in data["figures"]] == ["f1", "f2", "f3"]
    assert [(s["ref"], s["key"]) for s in data["sources"]] == [(1, "a1"), (2, "a2")]
    assert data["sources"][0]["publisher"] is None and data["sources"][0]["url"] is None
    assert (desk.folder / "merge-records" / f"{data['id']}.json").is_file()
    b = briefings[0]
    assert b.slug == desk.only().stem and b.title == "Clashes kill 27"
    assert {d.type for d in b.disputes} == {"revision"}  # 58 -> 84 by the same ministry
    assert b.updated == "2020-09-29"


def test_rebuilds_without_change_write_nothing(desk):
    desk.build()
    first = desk.snapshot()
    for _ in range(2):
        _, report = desk.build()
        assert report.unchanged == 1 and report.created == report.updated == 0
        assert desk.snapshot() == first  # same bytes, same mtimes


def test_same_input_gives_byte_identical_files(desk, tmp_path):
    desk.build()
    twin = Desk(tmp_path / "twin")
    twin.articles, twin.facts, twin.stories = desk.articles, desk.facts, desk.stories
    twin.build()
    ours = {k: v[0] for k, v in desk.snapshot().items()}
    theirs = {k: v[0] for k, v in twin.snapshot().items()}
    assert ours == theirs


def test_untouched_items_follow_the_articles(desk):
    desk.build()
    desk.facts["a2"]["figures"] = [dict(fig(84), group="soldiers")]
    desk.articles["a1"] = Article(**{**desk.articles["a1"].__dict__, "title": "Clashes kill 27 (updated)"})
    desk.build()
    data = desk.data()
    assert item(data, "figures", "f3")["group"] == "soldiers"
    assert item(data, "sources", "a1")["title"] == "Clashes kill 27 (updated)"
    assert data["title"] == "Clashes kill 27 (updated)"


# ---------------------------------------------------------------------------
# The editor's part
# ---------------------------------------------------------------------------

def test_every_kind_of_value_edit_is_kept(desk):
    desk.build()
    desk.edit("title: Clashes kill 27", "title: Karabakh fighting")
    desk.edit("text: Clashes kill 27.", "text: Fighting resumed along the line of contact.")
    desk.edit("value: 58", "value: 60")
    desk.edit("group: military", "group: separatist fighters")
    desk.edit("reported_by: the defense ministry", "reported_by: Karabakh's defense ministry")
    desk.edit("what: shelling came first", "what: Armenian shelling came first")
    desk.edit("date: '2020-09-27'", "date: 2020-09-26")
    desk.edit("publisher: null", "publisher: Reuters")
    desk.edit("url: null", "url: https://example.org/a1")
    desk.build()
    # The machine changes its mind about everything the editor touched, and more.
    desk.facts["a1"]["figures"] = [fig(27, cumulative=False), fig(58, group="troops")]
    desk.build()
    desk.build()
    data = desk.data()
    assert data["title"] == "Karabakh fighting"
    assert item(data, "summary", "s1")["text"] == "Fighting resumed along the line of contact."
    f1 = item(data, "figures", "f1")
    assert f1["group"] == "separatist fighters" and f1["reported_by"] == "Karabakh's defense ministry"
    assert item(data, "figures", "f2")["value"] == 60
    assert item(data, "claims", "c1")["what"] == "Armenian shelling came first"
    assert str(item(data, "timeline", "t1")["date"]) == "2020-09-26"
    a1 = item(data, "sources", "a1")
    assert (a1["publisher"], a1["url"], a1["ref"]) == ("Reuters", "https://example.org/a1", 1)
    b = desk.last[data["slug"]]
    assert b.title == "Karabakh fighting" and b.sources[0].publisher == "Reuters"


def delete_item(desk: Desk, ident: str, path: Path | None = None) -> None:
    """Remove an item's lines, as an editor deleting it would."""
    path = path or desk.only()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  - id: {ident}\n")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_deleted_items_stay_deleted_and_can_be_restored(desk):
    desk.build()
    delete_item(desk, "f2")
    delete_item(desk, "bg1")
    desk.edit("background:\n", "background:\n  # no background: the 1994 line was wrong\n")
    desk.build()
    desk.build()
    data = desk.data()
    assert item(data, "figures", "f2") is None and data["background"] == []
    assert data["deleted"] == {"figures": ["f2"], "background": ["bg1"]}
    assert "# no background: the 1994 line was wrong" in desk.text()  # the comment stayed too
    assert [f.id for f in desk.last[data["slug"]].figures] == ["f1", "f3"]
    # handing f2 back: remove it from deleted:
    desk.edit("  figures: [f2]\n", "")
    desk.build()
    data = desk.data()
    assert item(data, "figures", "f2")["value"] == 58
    assert data["deleted"] == {"background": ["bg1"]}


def test_editor_items_are_kept_numbered_and_cited(desk):
    desk.build()
    text = desk.text()
    added_figure = ("  - kind: injured\n    value: 12\n    group: civilians\n"
                    "    source: un-statement\n    quote: The UN said 12 civilians were hurt.\n")
    added_source = ("  - key: un-statement\n    title: UN statement on Nagorno-Karabakh\n"
                    "    url: https://un.org/statement\n    published: 2020-09-30\n")
    text = text.replace("\ndisputes:", "\n" + added_figure + "disputes:", 1)
    text = text.replace("\narticles:\n", "\n" + added_source + "articles:\n", 1)
    text = text.replace("claims:\n", "claims:\n  - who: OSCE\n    what: talks must resume\n"
                                     "    source: a2\n", 1)
    text = text.replace("timeline:\n", "timeline:\n  - text: Martial law declared\n"
                                       "    date: 2020-09-27\n    source: a1\n", 1)
    text = text.replace("background:\n", "background:\n  - text: |\n      The region declared"
                                         " independence in **1991**.\n\n      See [the UN](https://un.org).\n", 1)
    text = text.replace("notes: null", "notes: Check the UN figure with OCHA.")
    desk.only().write_text(text, encoding="utf-8")
    desk.build()
    desk.add("a3", "war", figures=(fig(95),))  # more news: ids and numbers continue
    desk.build()
    desk.build()
    data = desk.data()
    f = next(i for i in data["figures"] if i["source"] == "un-statement")
    assert f["id"] == "f4" and f["value"] == 12 and f["checked"] is False
    assert item(data, "figures", "f5")["value"] == 95  # the machine's next figure
    un = item(data, "sources", "un-statement")
    assert un["ref"] == 3 and str(un["published"]) == "2020-09-30"
    assert item(data, "sources", "a3")["ref"] == 4
    assert any(c["who"] == "OSCE" and c["id"] == "c3" for c in data["claims"])
    assert any(e["text"] == "Martial law declared" for e in data["timeline"])
    bg = [p["text"] for p in data["background"]]
    assert "The region declared independence in **1991**.\n\nSee [the UN](https://un.org).\n" in bg
    assert data["notes"] == "Check the UN figure with OCHA."
    b = desk.last[data["slug"]]
    assert next(x for x in b.figures if x.id == "f4").origin == "editor"
    assert next(x for x in b.sources if x.key == "un-statement").origin == "editor"
    assert b.notes == "Check the UN figure with OCHA."


def test_comments_survive_rewrites(desk):
    desk.build()
    desk.edit("version: 1", "# Desk note: owned by Ana\nversion: 1")
    desk.edit("value: 58", "value: 58  # confirmed by phone")
    desk.edit("claims:\n", "# Claims below need a second source\nclaims:\n")
    desk.build()
    desk.add("a3", "war", figures=(fig(95),))  # forces a rewrite of the file
    desk.build()
    text = desk.text()
    assert "# Desk note: owned by Ana" in text
    assert "value: 58  # confirmed by phone" in text
    assert "# Claims below need a second source\nclaims:" in text
    assert "value: 95" in text


def test_checked_items_are_left_alone(desk):
    desk.build()
    text = desk.text()
    block_start = text.index("  - id: f2")
    block_end = text.index("  - id: f3")
    block = text[block_start:block_end].replace("checked: false", "checked: true")
    desk.only().write_text(text[:block_start] + block + text[block_end:], encoding="utf-8")
    desk.facts["a1"]["figures"] = [fig(27, cumulative=False), dict(fig(58), reported_by="officials")]
    desk.build()
    data = desk.data()
    f2 = item(data, "figures", "f2")
    assert f2["checked"] is True and f2["reported_by"] == "the defense ministry"
    assert next(x for x in desk.last[data["slug"]].figures if x.id == "f2").checked


def test_deleting_a_line_hands_the_field_back(desk):
    desk.build()
    desk.edit("value: 58", "value: 60")
    desk.build()
    assert item(desk.data(), "figures", "f2")["value"] == 60
    desk.edit("    value: 60\n", "")
    desk.build()
    assert item(desk.data(), "figures", "f2")["value"] == 58
    desk.facts["a1"]["figures"][1] = dict(fig(58), group="soldiers")
    desk.build()
    assert item(desk.data(), "figures", "f2")["group"] == "soldiers"


def test_deleting_the_file_regenerates_it_with_the_same_id_and_slug(desk):
    desk.build()
    data = desk.data()
    path = desk.only()
    desk.edit("value: 58", "value: 60")
    desk.build()
    path.unlink()
    desk.build()
    again = desk.data()
    assert again["id"] == data["id"] and desk.only() == path
    assert item(again, "figures", "f2")["value"] == 58


# ---------------------------------------------------------------------------
# Membership
# ---------------------------------------------------------------------------

def test_new_articles_join_their_story_with_stable_ids_and_numbers(desk):
    desk.build()
    before = desk.data()
    desk.add("a0", "war", title="Early report", published="2020-09-20", figures=(fig(10),))
    desk.add("p1", "peace", title="Talks in Moscow", figures=(fig(1, kind="arrested"),))
    _, report = desk.build()
    assert report.created == 1 and report.updated == 1
    war = desk.data(desk.folder / f"{before['slug']}.yaml")
    assert war["articles"] == ["a0", "a1", "a2"]
    for old in before["figures"]:
        assert item(war, "figures", old["id"])["value"] == old["value"]
    assert item(war, "figures", "f4")["source"] == "a0"
    assert [(s["ref"], s["key"]) for s in war["sources"]] == [(1, "a1"), (2, "a2"), (3, "a0")]
    peace = desk.data(desk.folder / "talks-in-moscow.yaml")
    assert peace["articles"] == ["p1"]


def two_briefings(desk: Desk) -> tuple[Path, Path]:
    desk.add("p1", "peace", title="Talks in Moscow", figures=(fig(1, kind="arrested"),))
    desk.add("p2", "peace", title="Talks stall", figures=(fig(2, kind="arrested"),))
    desk.build()
    war = next(p for p in desk.files() if "clashes" in p.name)
    return war, desk.folder / "talks-in-moscow.yaml"


def test_moving_an_article_to_another_briefing(desk):
    war, peace = two_briefings(desk)
    desk.edit("  - a2\n", "", war)
    desk.edit("articles:\n", "articles:\n  - a2\n", peace)
    desk.build()
    desk.build()
    assert desk.data(war)["articles"] == ["a1"]
    assert desk.data(peace)["articles"] == ["a2", "p1", "p2"]
    assert all(f["source"] != "a2" for f in desk.data(war)["figures"])
    assert any(f["source"] == "a2" for f in desk.data(peace)["figures"])
    assert "excluded" not in desk.data(war)


def test_removing_an_article_keeps_it_out_and_splits_it_off(desk):
    desk.add("a0", "war", figures=(fig(5),))
    desk.build()
    war = desk.only()
    desk.edit("  - a2\n", "")
    desk.build()
    assert desk.data(war)["articles"] == ["a0", "a1"] and desk.data(war)["excluded"] == ["a2"]
    split = [p for p in desk.files() if p != war]
    assert len(split) == 1 and desk.data(split[0])["articles"] == ["a2"]
    desk.add("a3", "war", figures=(fig(95),))  # new war news joins the briefing it overlaps most
    desk.build()
    assert desk.data(war)["articles"] == ["a0", "a1", "a3"]
    assert desk.data(split[0])["articles"] == ["a2"]


def test_splitting_into_a_new_file_the_editor_creates(desk):
    desk.build()
    war = desk.only()
    desk.edit("  - a2\n", "")
    (desk.folder / "ministry-toll.yaml").write_text("title: The ministry's toll\narticles: [a2]\n",
                                                     encoding="utf-8")
    desk.build()
    desk.build()
    new = desk.data(desk.folder / "ministry-toll.yaml")
    assert new["articles"] == ["a2"] and new["title"] == "The ministry's toll"
    assert new["id"].startswith("b-") and new["figures"][0]["value"] == 84
    assert desk.data(war)["articles"] == ["a1"] and "excluded" not in desk.data(war)


def test_excluded_in_settings_leaves_every_briefing(desk):
    desk.build()
    desk.settings = Settings(exclude=["a2"])
    desk.build()
    data = desk.data()
    assert data["articles"] == ["a1"] and all(s["key"] != "a2" for s in data["sources"])


def test_pinned_briefing_takes_no_new_articles(desk):
    desk.build()
    war = desk.only()
    desk.edit("pinned: false", "pinned: true")
    desk.add("a3", "war", title="Third report", figures=(fig(95),))
    desk.build()
    assert desk.data(war)["articles"] == ["a1", "a2"]
    assert desk.data(desk.folder / "third-report.yaml")["articles"] == ["a3"]


def test_merging_two_briefings(desk):
    war, peace = two_briefings(desk)
    peace_slug = peace.stem
    desk.edit("notes: null", "notes: Talks are part of the war story.", peace)
    desk.edit("merged_into: null", "", peace) if "merged_into" in desk.text(peace) else None
    desk.edit("pinned: false", f"pinned: false\nmerged_into: {war.stem}", peace)
    desk.build()
    assert not peace.exists()
    data = desk.data(war)
    assert data["articles"] == ["a1", "a2", "p1", "p2"]
    assert peace_slug in data["old_slugs"]
    assert "Talks are part of the war story." in data["notes"]
    assert desk.last[war.stem].old_slugs == [peace_slug]
    _, report = desk.build()
    assert report.created == report.updated == 0


def test_renaming_the_slug_keeps_a_redirect(desk):
    desk.build()
    old = desk.only()
    desk.edit(f"slug: {old.stem}", "slug: karabakh-war")
    desk.build()
    new = desk.folder / "karabakh-war.yaml"
    assert not old.exists() and new.exists()
    data = desk.data(new)
    assert data["slug"] == "karabakh-war" and data["old_slugs"] == [old.stem]
    assert desk.last["karabakh-war"].old_slugs == [old.stem]
    # renaming the file works the same way
    new.rename(desk.folder / "nagorno-karabakh.yaml")
    desk.build()
    data = desk.data(desk.folder / "nagorno-karabakh.yaml")
    assert data["slug"] == "nagorno-karabakh" and data["old_slugs"] == sorted([old.stem, "karabakh-war"])
    snapshot = desk.snapshot()
    desk.build()
    assert desk.snapshot() == snapshot


# ---------------------------------------------------------------------------
# Broken files
# ---------------------------------------------------------------------------

def test_broken_files_stop_the_build_with_every_problem_located(desk):
    desk.add("p1", "peace", title="Talks in Moscow")
    desk.build()
    war = next(p for p in desk.files() if p.name != "talks-in-moscow.yaml")
    desk.edit("value: 58", "value: fifty-eight", war)
    desk.edit("kind: killed", "kind: kiled", war)
    desk.edit("pinned: false", "pined: false", war)
    desk.edit("date: '2020-09-27'", "date: 2020-13-45", war)
    desk.edit("  - id: f3", "  - id: f1", war)
    desk.edit("title: Talks in Moscow", "title: [unclosed", desk.folder / "talks-in-moscow.yaml")
    before = desk.snapshot()
    with pytest.raises(BriefgenError) as caught:
        desk.build()
    messages = [str(p) for p in caught.value.problems]
    text = "\n".join(messages)
    assert "fifty-eight" in text and "whole number" in text
    assert "'kiled' is not a known kind" in text and "did you mean 'killed'" in text
    assert "unknown field 'pined' (did you mean 'pinned'?)" in text
    assert "2020-13-45" in text
    assert "id 'f1' is used twice" in text
    assert "talks-in-moscow.yaml" in text
    assert all(p.line is not None for p in caught.value.problems)
    lines = war.read_text().splitlines()
    for problem in caught.value.problems:
        if "fifty-eight" in problem.message:
            assert "fifty-eight" in lines[problem.line - 1]
            assert lines[problem.line - 1][problem.column - 1:].startswith("fifty-eight")
    assert desk.snapshot() == before
    assert [str(p) for p in briefing.check(desk.project)] == messages


def test_unsafe_yaml_is_refused(desk):
    desk.build()
    desk.edit("title: Clashes kill 27", "title: !!python/object/apply:os.system [echo hi]")
    with pytest.raises(BriefgenError) as caught:
        briefing.load_all(desk.project)
    assert caught.value.problems[0].line is not None
    desk.edit("title: !!python/object/apply:os.system [echo hi]", "title: &a Clashes\nnotes: *a")
    problems = briefing.check(desk.project)
    assert problems and ("anchor" in problems[0].message or "alias" in problems[0].message)


def test_migrates_an_older_format_on_read(desk):
    desk.build()
    current = desk.data()
    text = desk.text()
    # version 0 called the timeline "events" and an item's source "article"
    old = (text.replace("version: 1", "version: 0").replace("timeline:", "events:")
           .replace("    source: a", "    article: a"))
    old = old.replace("figures:", "# kept comment\nfigures:", 1)
    desk.only().write_text(old, encoding="utf-8")
    store = briefing.load_all(desk.project)
    (stored,) = store.briefings.values()
    assert stored.doc["timeline"] == current["timeline"]
    assert stored.doc["figures"] == current["figures"]
    desk.build()
    assert desk.data() == current
    assert "# kept comment" in desk.text()
    desk.edit("version: 1", "version: 7")
    problems = briefing.check(desk.project)
    assert "newer than this briefgen" in problems[0].message


# ---------------------------------------------------------------------------
# Crashes
# ---------------------------------------------------------------------------

def test_a_build_killed_at_any_write_is_completed_by_the_next(desk, tmp_path, monkeypatch):
    from briefgen import atomic
    desk.build()
    desk.edit("value: 58", "value: 60")
    desk.edit(f"slug: {desk.only().stem}", "slug: renamed")
    desk.add("a3", "war", figures=(fig(95),))
    desk.add("p1", "peace", title="Talks in Moscow")
    base = tmp_path / "base"
    shutil.copytree(desk.root, base)

    def fresh(name: str) -> Desk:
        copy = Desk(tmp_path / name)
        shutil.copytree(base, copy.root)
        copy.articles, copy.facts, copy.stories = desk.articles, desk.facts, desk.stories
        return copy

    real = atomic.os.replace
    calls = {"n": 0, "fail_at": 0}

    def counting(src, dst):
        calls["n"] += 1
        if calls["n"] == calls["fail_at"]:
            raise KeyboardInterrupt("killed")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", counting)
    twin = fresh("twin")
    twin.build()  # uninterrupted: the state every interrupted build must end in
    expected = {k: v[0] for k, v in twin.snapshot().items()}
    total = calls["n"]
    assert total >= 5  # journal, two briefings and their records at least
    for fail_at in range(1, total + 1):
        calls["n"], calls["fail_at"] = 0, fail_at
        crashed = fresh(f"crash{fail_at}")
        with pytest.raises(KeyboardInterrupt):
            crashed.build()
        calls["fail_at"] = 0
        for path in crashed.files():  # every file reads as before or as after
            assert isinstance(yaml.safe_load(path.read_text()), dict)
        assert briefing.check(crashed.project) == []
        crashed.build()
        assert {k: v[0] for k, v in crashed.snapshot().items()} == expected, fail_at
        assert not list(crashed.folder.rglob("*.tmp"))


def test_a_merge_that_fails_leaves_the_files_as_they_were_and_nothing_staged(desk, monkeypatch):
    war, _ = two_briefings(desk)
    before = desk.snapshot()
    desk.edit("value: 58", "value: 60", war)
    edited = desk.snapshot()
    desk.add("a3", "war", figures=(fig(95),))
    desk.add("p3", "peace", figures=(fig(3, kind="arrested"),))
    real, laid_out = briefing._render, []

    def fails_second(*args):
        laid_out.append(args)
        if len(laid_out) == 2:  # the first briefing's file and record are staged by now
            raise RuntimeError("merge failed")
        return real(*args)

    monkeypatch.setattr(briefing, "_render", fails_second)
    with pytest.raises(RuntimeError):
        desk.build()
    assert desk.snapshot() == edited and edited != before
    assert not list(desk.folder.rglob("*.tmp"))


def test_hand_edits_follow_a_moved_article(desk):
    war, peace = two_briefings(desk)
    desk.edit("value: 84", "value: 85", war)  # an edit on a2's figure (f3)
    desk.build()
    delete_item(desk, "c2", war)  # a2's claim is wrong
    desk.build()
    desk.edit("  - a2\n", "", war)
    desk.edit("articles:\n", "articles:\n  - a2\n", peace)
    desk.build()
    desk.build()
    war_data, peace_data = desk.data(war), desk.data(peace)
    assert all(f["source"] != "a2" for f in war_data["figures"])
    moved = [f for f in peace_data["figures"] if f["source"] == "a2"]
    assert [f["value"] for f in moved] == [85]  # the edit travelled, once
    assert all(c["source"] != "a2" for c in peace_data["claims"])  # the deletion too
    assert peace_data["deleted"]["claims"]


def test_merging_carries_every_hand_edit(desk):
    war, peace = two_briefings(desk)
    text = desk.text(peace)
    text = text.replace("\nclaims: []\n", "\nclaims:\n  - who: Kremlin\n    what: talks will go on\n"
                                          "    source: p1\n", 1)
    text = text.replace("value: 2", "value: 3")
    text = text.replace("pinned: false", f"pinned: false\nmerged_into: {war.stem}")
    peace.write_text(text, encoding="utf-8")
    desk.build()
    data = desk.data(war)
    assert any(c["who"] == "Kremlin" for c in data["claims"])
    assert [f["value"] for f in data["figures"] if f["source"] == "p2"] == [3]
    assert not peace.exists() and peace.stem in data["old_slugs"]
    assert not (desk.folder / "merge-records").joinpath(f"{yaml.safe_load(text)['id']}.json").exists()


def test_a_lost_merge_record_does_not_duplicate_facts(desk):
    desk.build()
    desk.edit("value: 58", "value: 60")
    desk.build()
    before = desk.data()
    for record in (desk.folder / "merge-records").glob("*.json"):
        record.unlink()
    desk.build()
    after = desk.data()
    assert [f["id"] for f in after["figures"]] == [f["id"] for f in before["figures"]]
    assert item(after, "figures", "f2")["value"] == 60
    assert [s["ref"] for s in after["sources"]] == [1, 2]


def test_an_editor_change_made_after_a_killed_build_is_not_overwritten(desk, monkeypatch):
    from briefgen import atomic
    desk.build()
    desk.add("a3", "war", figures=(fig(95),))
    real = atomic.os.replace
    calls = {"n": 0}

    def die_after_journal(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the journal is in place, no file replaced yet
            raise KeyboardInterrupt("killed")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", die_after_journal)
    with pytest.raises(KeyboardInterrupt):
        desk.build()
    monkeypatch.setattr(atomic.os, "replace", real)
    assert (desk.folder / "merge-records" / "journal.json").exists()
    desk.edit("value: 58", "value: 61")  # the editor works on the old file meanwhile
    desk.build()
    data = desk.data()
    assert item(data, "figures", "f2")["value"] == 61
    assert data["articles"] == ["a1", "a2", "a3"]
    assert not (desk.folder / "merge-records" / "journal.json").exists()


def test_reusing_the_last_merge_gives_what_a_full_merge_gives(desk, monkeypatch):
    desk.build()
    desk.edit("value: 58", "value: 60")
    delete_item(desk, "c1")
    desk.build()
    desk.add("a3", "war", figures=(fig(95),))
    desk.build()
    reused = desk.text()
    monkeypatch.setattr(briefing, "MERGE_VERSION", briefing.MERGE_VERSION + 1)
    desk.build()  # nothing reused: every briefing merged again from its record
    assert desk.text() == reused


def test_merges_in_worker_processes_give_what_merges_here_give(tmp_path, monkeypatch):
    """The same edits and new articles, merged in this process and in two workers:
    the same files, records and Briefings, build after build."""
    monkeypatch.setattr(briefing, "MIN_PARALLEL_MERGES", 1)
    pooled = []
    real_map = briefing.map_shared

    def counted(*args, **kwargs):
        results = real_map(*args, **kwargs)
        pooled.append(results is not None)
        return results

    monkeypatch.setattr(briefing, "map_shared", counted)
    here, workers = Desk(tmp_path / "here"), Desk(tmp_path / "workers")
    workers.jobs = 2

    def step(change) -> None:
        results = []
        for d in (here, workers):
            change(d)
            briefings, report = d.build()
            results.append((briefings, str(report), {k: v[0] for k, v in d.snapshot().items()}))
        assert results[0] == results[1]

    def first(d: Desk) -> None:
        d.add("a1", "war", title="Clashes kill 27", published="2020-09-28",
              figures=(fig(27, cumulative=False), fig(58)), claims=(("Baku", "shelling came first"),),
              actors=("Armenia",))
        d.add("a2", "war", title="Toll rises to 84", published="2020-09-29", figures=(fig(84),))
        d.add("p1", "peace", title="Talks in Moscow", published="2020-10-09")

    def edits(d: Desk) -> None:
        war = next(p for p in d.files() if "clashes" in p.stem)
        d.edit("value: 58", "value: 60", war)
        d.edit(f"slug: {war.stem}", "slug: the-war", war)
        d.add("a3", "war", figures=(fig(95),))
        d.add("q1", "quake", title="Quake hits the north")

    step(first)
    step(edits)
    assert pooled == [True, True]  # both builds merged in workers
    step(lambda d: None)  # nothing changed: every merge reused, no workers started
    assert pooled == [True, True]
