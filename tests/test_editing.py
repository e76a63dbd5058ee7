"""The editor's whole scenario through ``briefgen build``: hand edits are never lost.

Builds, edits the briefing YAML as a person would (values, deletions, own
items, comments, checked marks, a slug rename, membership moves), adds new
articles, rebuilds three times and checks every edit is intact, deleted items
stay gone, new facts appear and the third rebuild changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from briefgen.build import build
from briefgen.config import Project, load_settings

A, B = "000_c581fe545c0f88e6", "001_223150dcc2cc57dd"

SAME_STORY = """Karabakh military death toll rises to 104 as fighting enters third day

Twenty separatist fighters were killed in clashes with Azerbaijani troops on Tuesday,
Karabakh's defense ministry said, bringing the military death toll in Nagorno-Karabakh to 104.

Fighting between Armenia and Azerbaijan over the breakaway Karabakh region continued for a
third day, with both sides accusing each other of shelling.

The total death toll in the Nagorno-Karabakh clashes rose to 117 including 13 civilians.

Armenia and Azerbaijan have been locked in a territorial dispute over Karabakh since the 1990s.
"""

NEW_STORY = """Floods force thousands from homes in river valley

Heavy rain caused the river to burst its banks overnight, flooding farmland and villages
across the valley, the regional emergency service said on Wednesday.

Three people were killed and 40 were injured, and about 5,000 residents were evacuated,
emergency service officials said.

Engineers were inspecting two dams upstream for damage, the water authority said.
"""


def rt_yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    return yaml


def briefing_files(project: Project) -> list[Path]:
    return sorted(project.briefings_dir.glob("*.yaml"))


def load(path: Path):
    return rt_yaml().load(path.read_text(encoding="utf-8"))


def save(path: Path, doc) -> None:
    with path.open("w", encoding="utf-8") as handle:
        rt_yaml().dump(doc, handle)


def export(project: Project) -> dict:
    return json.loads((project.site_dir / "briefings.json").read_text(encoding="utf-8"))


def run_build(project: Project) -> None:
    build(project, load_settings(project, environ={}), jobs=1)


def snapshot(project: Project) -> dict[str, tuple[bytes, int]]:
    files = {}
    for root in (project.content_dir, project.site_dir):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "pagefind" not in path.parts:
                files[path.relative_to(project.root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return files


@pytest.fixture
def project(sample_project: Path) -> Project:
    project = Project(sample_project)
    run_build(project)
    return project


def make_every_edit(project: Project) -> dict:
    """Edit the seeds' briefing as an editor would; return what to look for later."""
    (path,) = [p for p in briefing_files(project) if A in load(p)["articles"]]
    doc = load(path)
    figures = doc["figures"]
    by_value = {f["value"]: f for f in figures}
    edited_figure = by_value[27]
    edited_figure["value"] = 29
    edited_figure["group"] = "servicemen"
    edited_figure["reported_by"] = "Nagorno-Karabakh defence ministry"
    checked_figure = by_value[84]
    checked_figure["checked"] = True
    deleted_figure_id = by_value[28]["id"]
    figures.remove(by_value[28])
    figures.append({"kind": "injured", "value": 200, "group": "civilians",
                    "reported_by": "UN statement", "source": "un-statement",
                    "quote": "At least 200 civilians have been injured.", "checked": True})
    doc["title"] = "Nagorno-Karabakh: fighting escalates (edited)"
    doc["summary"][0]["text"] = "An editor's own summary sentence."
    doc["claims"][0]["what"] = "an editor's corrected wording of the claim"
    edited_claim_id = doc["claims"][0]["id"]
    doc["claims"].append({"who": "UN Secretary-General", "what": "called for an immediate ceasefire",
                          "source": "un-statement", "quote": "I call for an immediate ceasefire."})
    deleted_background = doc["background"].pop(0)
    doc["background"].append({"text": "Editor's context: **the 2016 flare-up** lasted four days.",
                              "sources": [A]})
    doc["timeline"].append({"date": "2020-09-27", "when": "Sunday", "text": "Fighting breaks out.",
                            "source": "un-statement", "quote": "Fighting broke out on Sunday."})
    for source in doc["sources"]:
        if source["key"] == A:
            source["publisher"] = "Al Arabiya"
            source["url"] = "https://english.alarabiya.net/example-58"
            source["published"] = "2020-09-28"
    doc["sources"].append({"key": "un-statement", "title": "Statement by the UN Secretary-General",
                           "publisher": "United Nations", "url": "https://www.un.org/example",
                           "published": "2020-09-27"})
    doc["notes"] = "Desk note: casualty figures from both sides are unverified."
    save(path, doc)
    # A comment, written as an editor would type it.
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nfigures:\n", "\n# Desk: figures double-checked on 29 Sept\nfigures:\n", 1)
    path.write_text(text, encoding="utf-8")
    return {"path": path, "deleted_figure": deleted_figure_id, "edited_claim": edited_claim_id,
            "deleted_background": str(deleted_background["text"])}


def assert_edits_intact(project: Project, marks: dict) -> None:
    (path,) = [p for p in briefing_files(project) if p.name == marks["path"].name]
    text = path.read_text(encoding="utf-8")
    assert "# Desk: figures double-checked on 29 Sept" in text
    doc = load(path)
    assert doc["title"] == "Nagorno-Karabakh: fighting escalates (edited)"
    assert doc["summary"][0]["text"] == "An editor's own summary sentence."
    figures = {f["id"]: f for f in doc["figures"]}
    assert marks["deleted_figure"] not in figures
    assert 28 not in [f["value"] for f in doc["figures"]]
    edited = [f for f in doc["figures"] if f["value"] == 29]
    assert edited and edited[0]["group"] == "servicemen"
    assert edited[0]["reported_by"] == "Nagorno-Karabakh defence ministry"
    assert 27 not in [f["value"] for f in doc["figures"] if f.get("source") == A]
    assert [f for f in doc["figures"] if f["value"] == 84][0]["checked"] is True
    own = [f for f in doc["figures"] if f["value"] == 200]
    assert own and own[0]["source"] == "un-statement" and own[0].get("id")
    claims = {c["id"]: c for c in doc["claims"]}
    assert claims[marks["edited_claim"]]["what"] == "an editor's corrected wording of the claim"
    assert any(c["who"] == "UN Secretary-General" for c in doc["claims"])
    assert all(str(b["text"]) != marks["deleted_background"] for b in doc["background"])
    assert any("2016 flare-up" in str(b["text"]) for b in doc["background"])
    assert any(t.get("date") == "2020-09-27" for t in doc["timeline"])
    sources = {s["key"]: s for s in doc["sources"]}
    assert sources[A]["publisher"] == "Al Arabiya"
    assert sources[A]["url"] == "https://english.alarabiya.net/example-58"
    assert sources["un-statement"]["publisher"] == "United Nations"
    assert doc["notes"] == "Desk note: casualty figures from both sides are unverified."
    # ... and the site shows them, built from the YAML as edited.
    (briefing,) = [b for b in export(project)["briefings"] if b["id"] == doc["id"]]
    values = [f["value"] for f in briefing["figures"]]
    assert 29 in values and 200 in values and 28 not in values
    page = (project.site_dir / briefing["url"]).read_text(encoding="utf-8")
    assert "Al Arabiya" in page and "https://english.alarabiya.net/example-58" in page
    assert "2016 flare-up" in page and "<strong>" in page


def test_every_edit_survives_new_articles_and_three_rebuilds(project):
    marks = make_every_edit(project)
    run_build(project)
    assert_edits_intact(project, marks)
    articles = project.articles_dir
    (articles / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    (articles / "floods.txt").write_text(NEW_STORY, encoding="utf-8")
    for _ in range(2):
        run_build(project)
        assert_edits_intact(project, marks)
    data = export(project)
    (karabakh,) = [b for b in data["briefings"] if A in b["articles"]]
    assert "karabakh-day3" in karabakh["articles"]
    assert 104 in [f["value"] for f in karabakh["figures"]]  # the machine keeps its part
    floods = [b for b in data["briefings"] if "floods" in b["articles"]]
    assert floods and "karabakh-day3" not in floods[0]["articles"]
    before = snapshot(project)
    run_build(project)  # the third rebuild: nothing changes, not even an mtime
    assert snapshot(project) == before
    assert_edits_intact(project, marks)


def _save_during(monkeypatch, owner, name: str, path: Path, title: str) -> None:
    """Have an editor save ``path`` with a new title just before ``owner.name`` runs
    (its mtime moved a little later, as a real later save would have it)."""
    real = getattr(owner, name)

    def saved_first(*args, **kwargs):
        doc = load(path)
        doc["title"] = title
        save(path, doc)
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
        monkeypatch.setattr(owner, name, real)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, saved_first)


def test_a_briefing_saved_while_the_build_merges_it_is_never_written_over(project, monkeypatch):
    """The build read the file before the editor saved it: writing its merge would
    lose that save. It stops before writing anything, and the next build merges both."""
    import briefgen.briefing
    from briefgen.diagnostics import ChangedMeanwhile

    (path,) = briefing_files(project)
    (project.articles_dir / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    site_before = snapshot(project)
    _save_during(monkeypatch, briefgen.briefing, "reconcile", path, "Saved while the build ran")
    with pytest.raises(ChangedMeanwhile) as raised:
        run_build(project)
    assert f"content/briefings/{path.name}: changed while the build ran" in str(raised.value)
    assert load(path)["title"] == "Saved while the build ran"
    assert "karabakh-day3" not in path.read_text(encoding="utf-8")
    assert not list(project.briefings_dir.rglob("*.tmp*"))  # no staged file left behind
    assert {k: v for k, v in snapshot(project).items() if k.startswith("site/")} == \
        {k: v for k, v in site_before.items() if k.startswith("site/")}
    run_build(project)
    doc = load(path)
    assert doc["title"] == "Saved while the build ran" and "karabakh-day3" in doc["articles"]
    (briefing,) = export(project)["briefings"]
    assert briefing["title"] == "Saved while the build ran"
    assert 104 in [f["value"] for f in briefing["figures"]]


def test_a_briefing_file_created_while_the_build_runs_is_never_written_over(project, tmp_path,
                                                                            monkeypatch):
    """An editor creates the very file a new briefing is about to be written to."""
    import briefgen.briefing
    from briefgen.diagnostics import ChangedMeanwhile

    rehearsal = Project(tmp_path / "rehearsal")
    shutil.copytree(project.articles_dir, rehearsal.articles_dir)
    (rehearsal.articles_dir / "floods.txt").write_text(NEW_STORY, encoding="utf-8")
    run_build(rehearsal)
    (name,) = {p.name for p in briefing_files(rehearsal)} - {p.name for p in briefing_files(project)}
    (project.articles_dir / "floods.txt").write_text(NEW_STORY, encoding="utf-8")
    created = project.briefings_dir / name
    real = briefgen.briefing.reconcile

    def created_first(*args, **kwargs):
        created.write_text("title: Written by an editor meanwhile\n", encoding="utf-8")
        return real(*args, **kwargs)

    monkeypatch.setattr(briefgen.briefing, "reconcile", created_first)
    with pytest.raises(ChangedMeanwhile, match=f"content/briefings/{name}: changed while the build ran"):
        run_build(project)
    assert created.read_text(encoding="utf-8") == "title: Written by an editor meanwhile\n"


def test_a_briefing_saved_after_the_build_wrote_it_is_not_taken_for_built(project, monkeypatch):
    """Saved while the site was rendered: the build says so, records nothing as built,
    and the next build takes the save in instead of calling the site up to date."""
    import briefgen.render

    (path,) = briefing_files(project)
    (project.articles_dir / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    _save_during(monkeypatch, briefgen.render, "render_site", path, "Saved while the site was rendered")
    report = build(project, load_settings(project, environ={}), jobs=1)
    assert report.changed_meanwhile == [f"content/briefings/{path.name}"]
    assert f"changed while the build ran: content/briefings/{path.name}; build again" in \
        " ".join(report.notices)
    assert load(path)["title"] == "Saved while the site was rendered"
    report = build(project, load_settings(project, environ={}), jobs=1)
    assert not report.up_to_date and not report.changed_meanwhile
    assert "changed while" not in " ".join(report.notices)
    (briefing,) = export(project)["briefings"]
    assert briefing["title"] == "Saved while the site was rendered"
    assert build(project, load_settings(project, environ={}), jobs=1).up_to_date


def test_undoing_a_killed_build_is_not_taken_for_a_save(project):
    """A build killed in its commit leaves a journal, a file it had replaced and a
    staged file; the next build undoes and removes them, its own doing: it records
    its result as built, and the build after it is up to date."""
    from briefgen.atomic import TEMP_SUFFIX, Change, _journal_pieces, write_atomic
    from briefgen.briefing_store import journal

    (path,) = briefing_files(project)
    old = path.read_bytes()
    killed = journal(project.briefings_dir)
    write_atomic(killed.path, _journal_pieces([Change(path.name, old + b"# half-way\n", old)]))
    path.write_bytes(old + b"# half-way\n")
    (project.briefings_dir / f".{path.name}.4242.staged{TEMP_SUFFIX}").write_bytes(b"never renamed")
    report = build(project, load_settings(project, environ={}), jobs=1)
    assert not report.up_to_date and report.changed_meanwhile == []
    assert path.read_bytes() == old and not killed.path.exists()
    assert [p.name for p in project.briefings_dir.iterdir() if p.name.startswith(".")] == []
    assert build(project, load_settings(project, environ={}), jobs=1).up_to_date


def test_a_theme_saved_while_the_build_runs_is_not_taken_for_built(project, monkeypatch):
    """A build records the theme files as it found them (as it does the articles,
    briefing files and settings file): one saved while it ran is read by the next."""
    import briefgen.render

    real = briefgen.render.render_site
    theme = project.themes_dir / "default" / "templates"

    def theme_saved_meanwhile(*args, **kwargs):
        rendered = real(*args, **kwargs)
        theme.mkdir(parents=True, exist_ok=True)
        (theme / "about.html").write_text("{% extends 'base.html' %}", encoding="utf-8")
        return rendered

    (project.articles_dir / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    monkeypatch.setattr(briefgen.render, "render_site", theme_saved_meanwhile)
    run_build(project)
    monkeypatch.setattr(briefgen.render, "render_site", real)
    assert not build(project, load_settings(project, environ={}), jobs=1).up_to_date


def test_untouched_machine_items_follow_their_articles(project):
    article = project.articles_dir / f"{A}.txt"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "The total death toll rose to 67", "The total death toll rose to 70"), encoding="utf-8")
    run_build(project)
    values = [f["value"] for f in export(project)["briefings"][0]["figures"] if f["article"] == A]
    assert 70 in values and 67 not in values


def test_ids_and_citation_numbers_stay_stable_when_articles_are_added(project):
    before = export(project)["briefings"][0]
    (project.articles_dir / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    run_build(project)
    after = [b for b in export(project)["briefings"] if b["id"] == before["id"]][0]
    old = {f["id"]: (f["article"], f["kind"], f["value"], f["quote"]) for f in before["figures"]}
    new = {f["id"]: (f["article"], f["kind"], f["value"], f["quote"]) for f in after["figures"]}
    for figure_id, figure in old.items():
        assert new[figure_id] == figure
    (path,) = briefing_files(project)
    refs = {s["key"]: s["ref"] for s in load(path)["sources"]}
    assert refs[A] == 1 and refs[B] == 2 and refs["karabakh-day3"] == 3


def test_renamed_slug_keeps_a_redirect(project):
    (path,) = briefing_files(project)
    old_slug = path.stem
    doc = load(path)
    doc["slug"] = "karabakh-clashes"
    save(path, doc)
    run_build(project)
    assert [p.name for p in briefing_files(project)] == ["karabakh-clashes.yaml"]
    (briefing,) = export(project)["briefings"]
    assert "karabakh-clashes" in briefing["url"]
    redirect = next(p for p in project.site_dir.rglob("*.html") if old_slug in p.as_posix())
    assert "karabakh-clashes" in redirect.read_text(encoding="utf-8")


def test_membership_edits_move_exclude_pin(project):
    (path,) = briefing_files(project)
    doc = load(path)
    doc["articles"].remove(B)  # move B out: it gets a briefing of its own
    save(path, doc)
    run_build(project)
    data = export(project)
    assert sorted(sorted(b["articles"]) for b in data["briefings"]) == [[A], [B]]
    # pin the A briefing: a new article of the story does not join it
    (path_a,) = [p for p in briefing_files(project) if A in load(p)["articles"]]
    doc = load(path_a)
    doc["pinned"] = True
    save(path_a, doc)
    (project.articles_dir / "karabakh-day3.txt").write_text(SAME_STORY, encoding="utf-8")
    run_build(project)
    (pinned,) = [b for b in export(project)["briefings"] if A in b["articles"]]
    assert pinned["articles"] == [A]
    # exclude the new article from every briefing via the settings
    (project.root / "briefgen.yaml").write_text("exclude: [karabakh-day3]\n", encoding="utf-8")
    run_build(project)
    assert all("karabakh-day3" not in b["articles"] for b in export(project)["briefings"])


def test_merging_two_briefings(project):
    (path,) = briefing_files(project)
    doc = load(path)
    doc["articles"].remove(B)
    save(path, doc)
    run_build(project)
    files = briefing_files(project)
    assert len(files) == 2
    target, other = sorted(files, key=lambda p: A not in load(p)["articles"])
    doc = load(target)
    doc["articles"].append(B)  # merge: list B's article in the A briefing again
    save(target, doc)
    run_build(project)
    assert [sorted(b["articles"]) for b in export(project)["briefings"]] == [[A, B]]


KILL_SCRIPT = r"""
import sys
from pathlib import Path
from briefgen.build import build
from briefgen.config import Project, load_settings
project = Project(Path(sys.argv[1]))
build(project, load_settings(project, environ={}), jobs=1, force=True)
"""


def test_builds_killed_while_writing_never_corrupt_anything(tmp_path, shared_dir):
    """SIGKILL builds at many points while they write; every file stays whole."""
    from conftest import read_jsonl

    root = tmp_path / "killed"
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    for name in (A, B):
        shutil.copy(Path(__file__).parents[1] / "content" / "articles" / f"{name}.txt", articles)
    for record in read_jsonl(shared_dir / "corpus" / "gva" / "articles.jsonl")[:120]:
        (articles / f"{record['id']}.txt").write_text(f"{record['title']}\n\n{record['text']}\n",
                                                      encoding="utf-8")
    project = Project(root)
    run_build(project)
    reference = export(project)
    marks = make_every_edit(project)
    edited = {p.name: p.read_bytes() for p in briefing_files(project)}
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    article = project.articles_dir / f"{A}.txt"
    original = article.read_text(encoding="utf-8")

    def change_an_article(step: int) -> None:
        """Give every build real work to write: one article gains a sentence."""
        article.write_text(original + f"\nThe total death toll rose to {100 + step}.\n", encoding="utf-8")

    # How long a build with that much work takes, then kill at points spread across it.
    change_an_article(0)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(root)], check=True, env=env, timeout=300)
    duration = time.perf_counter() - started
    kills = 0
    for step in range(1, 13):
        change_an_article(step)
        process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(root)], env=env)
        time.sleep(duration * step / 13)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        for path in briefing_files(project):  # every YAML parses: old or fully new
            load(path)
        json.loads((project.site_dir / "briefings.json").read_text(encoding="utf-8"))
        for page in project.site_dir.rglob("*.html"):
            assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
    assert kills >= 6
    run_build(project)  # the next build recovers
    assert_edits_intact(project, marks)
    assert len(export(project)["briefings"]) == len(reference["briefings"])
    assert {p.name for p in briefing_files(project)} == set(edited)
