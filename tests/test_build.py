"""End to end: the sample project against what a careful analyst takes from it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from briefgen.build import build
from briefgen.config import Project, load_settings

GOLD_FILE = Path(__file__).parent / "data" / "seeds_gold.yaml"
ARTICLE = {"A": "000_c581fe545c0f88e6", "B": "001_223150dcc2cc57dd"}


@pytest.fixture(scope="module")
def gold() -> dict:
    return yaml.safe_load(GOLD_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    import shutil

    from conftest import SAMPLE_ARTICLES

    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE_ARTICLES, root / "content" / "articles")
    project = Project(root)
    build(project, load_settings(project, environ={}), jobs=1)
    return project


def export(project: Project) -> dict:
    return json.loads((project.site_dir / "briefings.json").read_text(encoding="utf-8"))


def site_files(project: Project) -> dict[str, bytes]:
    return {p.relative_to(project.site_dir).as_posix(): p.read_bytes()
            for p in sorted(project.site_dir.rglob("*")) if p.is_file()}


def test_both_seed_articles_make_one_briefing(built):
    data = export(built)
    assert data["version"] >= 1
    assert [sorted(b["articles"]) for b in data["briefings"]] == [sorted(ARTICLE.values())]


def test_every_gold_figure_is_exported_and_cited_to_its_article(built, gold):
    figures = export(built)["briefings"][0]["figures"]
    reported = {(f["article"], f["kind"], f["value"]) for f in figures}
    for item in gold["figures"]:
        assert (ARTICLE[item["article"]], item["kind"], item["value"]) in reported, item


def test_every_exported_quote_is_verbatim_from_its_article_and_states_the_value(built):
    from briefgen.ingest import read_articles
    from briefgen.config import Settings
    from briefgen.diagnostics import Diagnostics

    texts = {a.id: f"{a.title}\n{a.text}" for a in read_articles(built, Settings(), Diagnostics())}
    for figure in export(built)["briefings"][0]["figures"]:
        assert figure["quote"] in texts[figure["article"]]  # a headline can state a figure too
        assert str(figure["value"]) in figure["quote"] or figure["value"] < 100


def test_no_trap_number_becomes_a_figure(built, gold):
    values = {f["value"] for f in export(built)["briefings"][0]["figures"]}
    for trap in gold["not_figures"]:
        assert trap["value"] not in values, trap["why"]
    assert 30000 not in values  # the 1990s war's toll is background


def test_gold_revisions_are_disputes_in_history_order(built, gold):
    briefing = export(built)["briefings"][0]
    value_of = {f["id"]: (f["article"], f["value"]) for f in briefing["figures"]}
    revisions = [[value_of[i] for i in d["figures"]] for d in briefing["disputes"]
                 if d["type"] == "revision"]
    for item in gold["revisions"]:
        history = [(ARTICLE[k], v) for k, v in item["values"].items()]
        assert any(all(step in chain for step in history)
                   and chain.index(history[0]) < chain.index(history[1]) for chain in revisions), item


def test_gold_figures_are_in_the_briefing_yaml(built, gold):
    (path,) = sorted(built.briefings_dir.glob("*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    reported = {(str(f.get("source") or f.get("article")), f["kind"], f["value"]) for f in data["figures"]}
    for item in gold["figures"]:
        assert (ARTICLE[item["article"]], item["kind"], item["value"]) in reported, item


def test_gold_figures_are_on_the_page_with_their_citation(built, gold):
    briefing = export(built)["briefings"][0]
    page = (built.site_dir / briefing["url"]).read_text(encoding="utf-8")
    for item in gold["figures"]:
        assert f">{item['value']}<" in page.replace(",", ""), item
    for article in ARTICLE.values():
        assert article in page or "source-" in page


def test_nothing_of_the_page_furniture_reaches_the_site(built, gold):
    for name, content in site_files(built).items():
        if name.startswith("pagefind/"):
            continue
        text = content.decode("utf-8", "replace")
        for banned in gold["must_not"]:
            assert banned not in text, (name, banned)


def test_missing_metadata_is_never_invented(built):
    for source in export(built)["briefings"][0].get("sources", []):
        assert source.get("url") is None and source.get("publisher") is None
        assert source.get("published") is None


def test_a_second_build_changes_nothing(built):
    before = site_files(built)
    yaml_before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in built.briefings_dir.rglob("*") if p.is_file()}
    build(built, load_settings(built, environ={}), jobs=1, force=True)
    assert site_files(built) == before
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in built.briefings_dir.rglob("*") if p.is_file()}
    assert after == yaml_before


def test_the_same_input_builds_a_byte_identical_site(built, tmp_path):
    import shutil

    other = Project(tmp_path / "again")
    shutil.copytree(built.articles_dir, other.articles_dir)
    build(other, load_settings(other, environ={}), jobs=2)

    def digest(project):
        return {k: hashlib.sha256(v).hexdigest() for k, v in site_files(project).items()
                if not k.startswith("pagefind/")}

    assert digest(other) == digest(built)


def test_the_render_stage_knows_each_briefing_by_the_briefing_stage_digest(built, tmp_path, monkeypatch):
    """The briefing stage hands on each briefing's digest (of the bytes it froze it
    to), so rendering never serializes a briefing again to recognize it, neither
    in a first build nor after an edit; the site is the same."""
    import shutil

    import briefgen.render

    def serialized(record):
        raise AssertionError(f"{record.id} serialized again")

    monkeypatch.setattr(briefgen.render, "record_digest", serialized)
    other = Project(tmp_path / "digests")
    shutil.copytree(built.articles_dir, other.articles_dir)
    build(other, load_settings(other, environ={}), jobs=1)
    assert site_files(other) == site_files(built)
    (path,) = other.briefings_dir.glob("*.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Edited by hand, ", 1),
                    encoding="utf-8")
    build(other, load_settings(other, environ={}), jobs=1)
    assert "Edited by hand, " in (other.site_dir / "index.html").read_text(encoding="utf-8")


def test_an_extraction_whose_cache_shard_was_lost_is_redone_from_the_articles(built, tmp_path, monkeypatch):
    """A build killed while saving the extraction cache can leave its index naming
    entries whose shard is gone: the next build extracts those again, so their
    articles' texts must still be at hand when the briefing stage asks."""
    import shutil

    import briefgen.build

    project = Project(tmp_path / "lost")
    shutil.copytree(built.root, project.root)
    shards = [p for p in (project.cache_dir / "extractions").glob("*.pickle") if p.name != "index.pickle"]
    assert shards
    for shard in shards:
        shard.unlink()
    shutil.rmtree(project.cache_dir / "briefings")  # so the merge reads the extraction again
    redone = []
    real = briefgen.build._extract_group
    monkeypatch.setattr(briefgen.build, "_extract_group", lambda group: redone.append(group) or real(group))
    build(project, load_settings(project, environ={}), jobs=1, force=True)
    assert redone and all(article.text for articles, _ in redone for article in articles)
    assert _tree(project.site_dir) == _tree(built.site_dir)
    assert _tree(project.briefings_dir) == _tree(built.briefings_dir)


def test_each_extraction_is_let_go_once_its_briefing_is_merged_and_stays_readable(built, tmp_path, monkeypatch):
    """At a hundred thousand articles the fresh extractions and the merged briefings
    would not fit in memory together: the build drops each extraction as its merge
    arrives (nothing else holds it), and the cache can still give it back."""
    import copy
    import gc
    import shutil
    import weakref

    from briefgen import briefing

    project = Project(tmp_path / "release")
    shutil.copytree(built.root / "content" / "articles", project.articles_dir)
    seen = []
    real_reconcile = briefing.reconcile

    def reconcile(store, plans, extractions, articles, jobs=1, merged=None):
        held = {plan.id: weakref.ref(extractions[plan.id]) for plan in plans}
        values = {plan.id: copy.deepcopy(extractions[plan.id]) for plan in plans}
        result = real_reconcile(store, plans, extractions, articles, jobs, merged)
        gc.collect()
        seen.append((held, values, extractions))
        return result

    monkeypatch.setattr(briefing, "reconcile", reconcile)
    build(project, load_settings(project, environ={}), jobs=1)
    [(held, values, extractions)] = seen
    assert held and all(ref() is None for ref in held.values())
    assert {plan_id: extractions[plan_id] for plan_id in values} == values
    assert _tree(project.site_dir) == _tree(built.site_dir)


def test_stages_leave_their_data_out_of_the_collectors_sight_and_the_build_restores_it(built, tmp_path,
                                                                                       monkeypatch):
    """What one stage leaves is frozen before the next starts; the stages that build it
    run with the collector paused, rendering with it on; afterwards the collector is as
    the caller left it, the caller's own frozen objects still frozen."""
    import gc
    import shutil

    import briefgen.build
    from briefgen import render

    seen = {}
    real_cluster, real_render = briefgen.build.cluster_all, render.render_site

    def cluster_all(*args, **kwargs):
        seen["cluster"] = (gc.isenabled(), gc.get_freeze_count())
        return real_cluster(*args, **kwargs)

    def render_site(*args, **kwargs):
        seen["render"] = (gc.isenabled(), gc.get_freeze_count())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(briefgen.build, "cluster_all", cluster_all)
    monkeypatch.setattr(render, "render_site", render_site)
    project = Project(tmp_path / "collector")
    shutil.copytree(built.articles_dir, project.articles_dir)
    gc.unfreeze()
    build(project, load_settings(project, environ={}), jobs=1)
    assert seen["cluster"][0] is False and seen["cluster"][1] > 0  # paused; the articles frozen
    assert seen["render"][0] is True
    assert gc.isenabled() and gc.get_freeze_count() == 0

    gc.freeze()  # the caller's own frozen objects stay frozen
    mine = gc.get_freeze_count()
    try:
        build(project, load_settings(project, environ={}), jobs=1, force=True)
        assert gc.isenabled() and gc.get_freeze_count() >= mine > 0
    finally:
        gc.unfreeze()

    gc.disable()
    try:
        build(project, load_settings(project, environ={}), jobs=1, force=True)
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_an_article_saved_while_a_build_runs_is_read_by_the_next_build(built, tmp_path, monkeypatch):
    """The build records the article files as it found them, not as they are when it
    ends: one saved meanwhile is not taken for built, and the next build reads it."""
    import os
    import shutil

    import briefgen.build

    project = Project(tmp_path / "saved-meanwhile")
    shutil.copytree(built.articles_dir, project.articles_dir)
    article = min(project.articles_dir.iterdir())
    real_cluster = briefgen.build.cluster_all

    def cluster_all(*args, **kwargs):
        stories = real_cluster(*args, **kwargs)
        text = article.read_text(encoding="utf-8")
        article.write_text("Saved while the build ran\n" + text.split("\n", 1)[1], encoding="utf-8")
        stat = article.stat()
        os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))  # a later save
        return stories

    monkeypatch.setattr(briefgen.build, "cluster_all", cluster_all)
    build(project, load_settings(project, environ={}), jobs=1)
    monkeypatch.setattr(briefgen.build, "cluster_all", real_cluster)
    report = build(project, load_settings(project, environ={}), jobs=1)
    assert not report.up_to_date
    assert "Saved while the build ran" in (project.site_dir / "briefings.json").read_text(encoding="utf-8")
    assert build(project, load_settings(project, environ={}), jobs=1).up_to_date


def test_files_changed_meanwhile_are_those_the_build_did_not_leave_so():
    from briefgen.build import changed_meanwhile

    def listing(files: dict[str, tuple[int, int]]) -> str:
        return "".join(f"{path}\x00{size}\x00{mtime}\n" for path, (size, mtime) in files.items())

    def stat(size: int, mtime: int) -> tuple[int, int]:
        return size, mtime

    before = {"a.yaml": (10, 100), "b.yaml": (10, 100), "odd\nname.yaml": (5, 100), "gone.yaml": (1, 100)}
    after = {"a.yaml": (12, 200), "b.yaml": (10, 100), "odd\nname.yaml": (5, 100), "new.yaml": (3, 300)}
    own = {"a.yaml": stat(12, 200), "new.yaml": stat(3, 300), "gone.yaml": None}
    assert changed_meanwhile(listing(before), listing(after), own) == []
    assert changed_meanwhile(listing(before), listing(after), {**own, "a.yaml": stat(12, 150)}) == ["a.yaml"]
    assert changed_meanwhile(listing(before), listing({**after, "odd\nname.yaml": (6, 400)}), own) == \
        ["odd\nname.yaml"]
    assert changed_meanwhile(listing(before), listing({**after, "gone.yaml": (1, 500)}), own) == ["gone.yaml"]
    assert changed_meanwhile(listing(before), listing(after), {}) == ["a.yaml", "gone.yaml", "new.yaml"]


def test_while_a_build_runs_a_second_build_or_a_clean_is_refused_and_writes_nothing(built, tmp_path):
    """Two builds of one project would stage, journal and cache into the same
    folders: while one runs (here, another process holding its lock), a second
    build or a clean stops at once with a clear error and touches nothing."""
    import shutil
    import subprocess
    import sys

    from briefgen.build import clean
    from briefgen.diagnostics import BriefgenError

    pytest.importorskip("fcntl")
    project = Project(tmp_path / "busy")
    shutil.copytree(built.root, project.root)
    article = project.articles_dir / f"{ARTICLE['B']}.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nA later paragraph.\n", encoding="utf-8")
    before = _tree(project.root)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a+b'); "
         "fcntl.flock(f.fileno(), fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
         str(project.cache_dir / "build.lock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for attempt in (lambda: build(project, load_settings(project, environ={}), jobs=1),
                        lambda: clean(project)):
            with pytest.raises(BriefgenError) as refused:
                attempt()
            assert str(refused.value).startswith(".briefgen/build.lock: another briefgen build or clean")
            assert _tree(project.root) == before
    finally:
        holder.communicate("")  # the holder ends, and the system releases its lock
    assert not build(project, load_settings(project, environ={}), jobs=1).up_to_date
    assert _tree(project.root) != before


def test_a_file_system_without_locks_does_not_stop_the_build(built, tmp_path, monkeypatch):
    import errno
    import shutil

    fcntl = pytest.importorskip("fcntl")

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    project = Project(tmp_path / "nfs")
    shutil.copytree(built.root, project.root)
    monkeypatch.setattr(fcntl, "flock", no_locks)
    report = build(project, load_settings(project, environ={}), jobs=1, force=True)
    assert not report.up_to_date and _tree(project.site_dir) == _tree(built.site_dir)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "pagefind" not in p.parts}


def test_an_incremental_rebuild_produces_exactly_what_a_cold_build_produces(tmp_path, shared_dir,
                                                                            monkeypatch):
    """Caches only save time: after adding and editing, cached and cache-less builds agree.

    The cold build runs its extraction and briefing files in worker
    processes, the warm one in this process: that must not matter either.
    """
    import shutil

    from conftest import read_jsonl

    import briefgen.briefing
    import briefgen.build

    warm = Project(tmp_path / "warm")
    warm.articles_dir.mkdir(parents=True)
    records = read_jsonl(shared_dir / "corpus" / "gva" / "articles.jsonl")[:60]
    for record in records[:50]:
        (warm.articles_dir / f"{record['id']}.txt").write_text(f"{record['title']}\n\n{record['text']}\n")
    build(warm, load_settings(warm, environ={}), jobs=1)
    cold = Project(tmp_path / "cold")
    shutil.copytree(warm.content_dir, cold.content_dir)
    for project in (warm, cold):  # the same change in both: new articles and a hand edit
        for record in records[50:]:
            (project.articles_dir / f"{record['id']}.txt").write_text(
                f"{record['title']}\n\n{record['text']}\n")
        path = sorted(project.briefings_dir.glob("*.yaml"))[0]
        path.write_text(path.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Edited - ", 1),
                        encoding="utf-8")
    build(warm, load_settings(warm, environ={}), jobs=1)
    assert (warm.cache_dir / "extractions" / "index.pickle").is_file()
    monkeypatch.setattr(briefgen.build, "MIN_PARALLEL_EXTRACTIONS", 2)
    monkeypatch.setattr(briefgen.briefing, "MIN_PARALLEL_MERGES", 2)
    build(cold, load_settings(cold, environ={}), jobs=2)
    assert _tree(warm.site_dir) == _tree(cold.site_dir)
    assert _tree(warm.briefings_dir) == _tree(cold.briefings_dir)


def test_adding_an_article_counts_only_its_words_and_never_loads_scikit_learn(tmp_path, shared_dir):
    """The saved vocabulary makes a new article cheap, and the result is still a cold build's."""
    import shutil
    import subprocess
    import sys

    from conftest import read_jsonl

    records = read_jsonl(shared_dir / "corpus" / "gva" / "articles.jsonl")[:41]
    warm = Project(tmp_path / "warm")
    warm.articles_dir.mkdir(parents=True)
    for record in records[:40]:
        (warm.articles_dir / f"{record['id']}.txt").write_text(f"{record['title']}\n\n{record['text']}\n")
    build(warm, load_settings(warm, environ={}), jobs=1)
    cold = Project(tmp_path / "cold")
    shutil.copytree(warm.content_dir, cold.content_dir)
    for project in (warm, cold):
        (project.articles_dir / f"{records[40]['id']}.txt").write_text(
            f"{records[40]['title']}\n\n{records[40]['text']}\n")
    script = ("import sys; from pathlib import Path; from briefgen.build import build; "
              "from briefgen.config import Project, load_settings; p = Project(Path(sys.argv[1])); "
              "report = build(p, load_settings(p, environ={}), jobs=1); "
              "print(report.briefings, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, str(warm.root)], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    briefings, loaded = done.stdout.split()
    assert loaded == "False", "an incremental build loaded scikit-learn"
    build(cold, load_settings(cold, environ={}), jobs=1)
    assert _tree(warm.site_dir) == _tree(cold.site_dir)
    assert _tree(warm.briefings_dir) == _tree(cold.briefings_dir)
    assert int(briefings) == len(list(cold.briefings_dir.glob("*.yaml")))


class _Terminal:
    """A stream that says it is a terminal, keeping what is written to it."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.written: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("tty", [True, False])
def test_progress_is_a_redrawn_bar_on_a_terminal_and_plain_lines_elsewhere(tty):
    from briefgen.build import STAGES, _Progress
    from briefgen.diagnostics import collect

    stream = _Terminal(tty)
    shown = _Progress(True, stream)
    shown.start(STAGES.index("extract"), "extract")
    assert collect(iter(range(250)), 250, shown.advance) == list(range(250))
    shown.finish("extract", 1.5, "250 briefing(s)")
    text = "".join(stream.written)
    assert text.endswith("extract: 250 briefing(s) (1.50s)\n")
    if tty:
        assert "\r[############----------" in text and "3/5 extract 250/250" in text
    else:
        assert text == "extract: 250 briefing(s) (1.50s)\n"  # a CI log gets one quiet line


def test_installed_versions_are_read_as_importlib_metadata_reads_them(monkeypatch):
    """The caches' version of scikit-learn is found without importlib.metadata's scan,
    and without importing the library."""
    import importlib.metadata
    import sys

    from briefgen.build import _installed

    libraries = (("scikit-learn", "sklearn"), ("Jinja2", "jinja2"), ("markdown-it-py", "markdown_it"),
                 ("PyYAML", "yaml"))
    expected = [importlib.metadata.version(distribution) for distribution, _ in libraries]

    def scan(distribution):
        raise AssertionError(f"importlib.metadata asked for {distribution}")

    monkeypatch.setattr(importlib.metadata, "version", scan)
    loaded_before = "sklearn" in sys.modules
    assert [_installed(distribution, package) for distribution, package in libraries] == expected
    assert ("sklearn" in sys.modules) == loaded_before
    assert _installed("no-such-distribution", "no_such_package") == "absent"
