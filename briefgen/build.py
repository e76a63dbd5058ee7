"""``build()``: the pipeline, in order, and nothing else.

ingest -> cluster -> extract -> briefing -> render. Each stage is a module of
its own; this one only runs them, times them and reports what they did.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .atomic import is_temp_name
from .cache import Memo, ShardedMemo, code_fingerprint, load_value, save_value
from .config import Project, Settings
from .diagnostics import BriefgenError, Diagnostics, Problem, collect

if TYPE_CHECKING:
    from . import briefing
    from .models import Article, Extraction, Story

STAGES = ("ingest", "cluster", "extract", "briefing", "render")
PACKAGE_DIR = Path(__file__).resolve().parent
STATE_FILE = "build-state.json"
LOCK_FILE = "build.lock"
LEGACY_CACHE_FILES = ("articles.pickle", "extractions.pickle")


@dataclass
class BuildReport:
    """What a build did, for the summary printed at its end."""

    articles_read: int = 0
    articles_skipped: int = 0
    briefings: int = 0
    briefings_created: int = 0
    briefings_updated: int = 0
    briefings_unchanged: int = 0
    edits_kept: int = 0
    pages_written: int = 0
    pages_unchanged: int = 0
    pages_removed: int = 0
    warnings: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # informational: feed skipped, ...
    # Content files someone else changed while the build ran: nothing recorded as built.
    changed_meanwhile: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_peak_mib: dict[str, float] = field(default_factory=dict)  # this process's peak RSS so far
    up_to_date: bool = False  # nothing changed since the last build: nothing was redone

    def summary(self) -> str:
        """The few lines printed at the end of ``briefgen build``."""
        if self.up_to_date:
            return "site is up to date: no input changed since the last build"
        total = sum(self.stage_seconds.values())
        times = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.stage_seconds.items())
        return "\n".join([
            f"articles: {self.articles_read} read, {self.articles_skipped} skipped",
            f"briefings: {self.briefings} ({self.briefings_created} created, "
            f"{self.briefings_updated} updated, {self.briefings_unchanged} unchanged; "
            f"{self.edits_kept} hand edit(s) kept)",
            f"pages: {self.pages_written} written, {self.pages_unchanged} unchanged, "
            f"{self.pages_removed} removed",
            f"warnings: {len(self.warnings)}",
            f"time: {total:.2f}s ({times})",
        ])


def worker_count(settings: Settings, jobs: int | None = None) -> int:
    """Processes to use: the command line wins, then the setting, then one per core."""
    wanted = jobs if jobs is not None else settings.jobs
    return wanted if wanted and wanted > 0 else (os.cpu_count() or 1)


def _tree_lines(root: Path, skip: str | None = None) -> str:
    """Every file under ``root`` (but not the top-level folder ``skip``) as
    ``path\0size\0mtime`` lines, in a fixed order.

    ``os.scandir`` hands back each entry's stat from the directory listing
    itself, so a tree of tens of thousands of files costs a fraction of a second.
    """
    lines: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    # __pycache__: Python's own, rewritten at will
                    if entry.name != "__pycache__" and not (prefix == "" and entry.name == skip):
                        walk(entry.path, f"{prefix}{entry.name}/")
                    continue
                stat = entry.stat()
            except OSError:
                continue
            lines.append(f"{prefix}{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n")

    if root.is_dir():
        walk(str(root), "")
    return "".join(lines)


def articles_signature(project: Project) -> str:
    """A hash of the article files' paths, sizes and mtimes.

    A build takes it before reading them and records it with its result: an
    article saved while the build ran then differs from what was recorded,
    and the next build reads it again instead of calling the site up to date.
    """
    return hashlib.sha256(_tree_lines(project.articles_dir).encode("utf-8", "surrogateescape")).hexdigest()


def _input_roots(project: Project) -> list[Path]:
    """The folders a build reads, besides the articles: content, themes, briefgen itself."""
    builtin_themes = (PACKAGE_DIR / "themes", PACKAGE_DIR.parent / "themes")  # wheel, source tree
    return [project.content_dir, project.themes_dir, PACKAGE_DIR, *builtin_themes]


def input_listing(project: Project) -> list[tuple[str, str]]:
    """What a build reads besides the articles, as it is now: each input folder's
    ``_tree_lines`` (the content folder's without the articles) and the config
    file's size and mtime.

    A build takes it before reading anything and records it (with its own
    writes) as what it built: a briefing file, theme or setting saved while the
    build ran is then not taken for built.
    """
    listing = [(str(root), _tree_lines(root, skip=project.articles_dir.name if root == project.content_dir
                                       else None))
               for root in _input_roots(project)]
    config = project.config_file
    if config.is_file():
        stat = config.stat()
        listing.append(("config", f"{stat.st_size}\0{stat.st_mtime_ns}"))
    return listing


def input_fingerprint(project: Project, settings: Settings, articles: str | None = None,
                      inputs: list[tuple[str, str]] | None = None) -> str:
    """A hash of everything a build reads and writes: content, settings, themes,
    briefgen itself, and the site as the build left it (a page deleted or
    edited by hand makes the next build redo its work). ``articles``: the
    ``articles_signature`` to use instead of taking it now; ``inputs``: the
    ``input_listing`` likewise.

    Stats only, never file contents, so checking it costs milliseconds even
    for a hundred thousand articles.
    """
    digest = hashlib.sha256()
    digest.update(f"{__version__}\0{json.dumps(asdict(settings), sort_keys=True)}\n".encode())
    digest.update(f"[articles]\n{articles or articles_signature(project)}\n".encode())
    for name, lines in inputs if inputs is not None else input_listing(project):
        digest.update(f"[{name}]\n{lines}".encode("utf-8", "surrogateescape"))
    digest.update(f"[site]\n{_tree_lines(project.site_dir)}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


_LISTED_FILE = re.compile(r"(.*?)\0(\d+\0\d+)\n", re.DOTALL)


def changed_meanwhile(before: str, after: str, own: Mapping[str, tuple[int, int] | None]) -> list[str]:
    """The files of two ``_tree_lines`` listings of one folder that differ, except
    those ``own`` says this build left as they are: ``path -> (size, mtime_ns)``,
    or None for a file it removed."""
    def by_path(lines: str) -> dict[str, str]:  # a name holds no NUL, but may hold a newline
        return {m[1]: m[2] for m in _LISTED_FILE.finditer(lines)}

    if all(lines.count("\0") == 2 * lines.count("\n") for lines in (before, after)):
        # No name holds a newline: only the lines found in one listing alone are parsed.
        then_lines, now_lines = set(before.split("\n")), set(after.split("\n"))
        before = "".join(f"{line}\n" for line in then_lines - now_lines)
        after = "".join(f"{line}\n" for line in now_lines - then_lines)
    then, now = by_path(before), by_path(after)
    left = {path: None if stat is None else f"{stat[0]}\0{stat[1]}" for path, stat in own.items()}
    return sorted(path for path in then.keys() | now.keys()
                  if now.get(path) != (left[path] if path in left else then.get(path)))


def _check_cache_dir(project: Project) -> None:
    """The cache must be a real folder inside the project, never a link to elsewhere."""
    if project.cache_dir.is_symlink() or (project.cache_dir.exists() and not project.cache_dir.is_dir()):
        raise BriefgenError(Problem(".briefgen", "is a symbolic link or not a folder; "
                                    "remove it (it holds only a disposable cache)"))


@contextmanager
def _exclusive(project: Project) -> Iterator[None]:
    """One build or clean of a project at a time: two would stage, journal and
    cache into the same folders. An operating-system lock on ``.briefgen/build.lock``,
    released when the process ends however it ends; where the system or the file
    system has no such lock (Windows, some network mounts), none is taken."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    with open(project.cache_dir / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BriefgenError(Problem(f".briefgen/{LOCK_FILE}", "another briefgen build or clean of this "
                                        "project is running; run this again once it has finished")) from None
        except OSError:  # a file system without locks (some network mounts): no guard there
            pass
        yield  # closing the file releases the lock


def _last_build(project: Project, fingerprint: str) -> dict | None:
    """The record of the last successful build, if it built exactly these inputs."""
    state = project.cache_dir / STATE_FILE
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if saved.get("fingerprint") == fingerprint else None


def _record_success(project: Project, settings: Settings, report: BuildReport, article_files: str,
                    inputs: list[tuple[str, str]], own: Mapping[str, tuple[int, int] | None]) -> None:
    """Record what was built, written last and atomically: a build killed before
    this point is simply redone.

    What was built: the articles, themes and settings as the build found them,
    the site and briefing files as it left them (``own``: the content files it
    wrote or removed, see ``changed_meanwhile``). A content file that someone
    else changed while the build ran was perhaps read before the change: then
    nothing is recorded, the next build does the work again, and the report
    says so. The build's warnings are kept, so an up-to-date rebuild still
    reports them (and still fails under ``--strict``).
    """
    state = project.cache_dir / STATE_FILE
    content = str(project.content_dir)
    found = dict(inputs)[content]
    left = _tree_lines(project.content_dir, skip=project.articles_dir.name)
    others = report.changed_meanwhile = [
        f"content/{path}" for path in changed_meanwhile(found, left, own)
        if not is_temp_name(path.rpartition("/")[2])]  # a killed build's, removed by this one
    if others:
        state.unlink(missing_ok=True)
        shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
        report.notices.append(f"changed while the build ran: {shown}; build again to take it in")
        return
    fingerprint = input_fingerprint(project, settings, article_files,
                                    [(name, left if name == content else lines) for name, lines in inputs])
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    temp = state.with_suffix(".tmp")
    temp.write_text(json.dumps({
        "fingerprint": fingerprint, "version": __version__,
        "warnings": [[w.path, w.message, w.line, w.column] for w in report.warnings],
        "notices": report.notices}), encoding="utf-8")
    os.replace(temp, state)


class _Progress:
    """Where a long build is: on a terminal, one bar redrawn as work completes
    (stage and item counts); elsewhere (CI logs), one quiet line per stage."""

    WIDTH = 30
    REDRAW_SECONDS = 0.1

    def __init__(self, enabled: bool, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.stage = (0, "")
        self.drawn_at = 0.0

    def start(self, index: int, name: str) -> None:
        self.stage = (index, name)
        self._draw(0, 0)

    def advance(self, done: int, total: int) -> None:
        """``done`` of the stage's ``total`` items are finished."""
        now = time.monotonic()
        if self.tty and (done >= total or now - self.drawn_at >= self.REDRAW_SECONDS):
            self._draw(done, total)

    def _draw(self, done: int, total: int) -> None:
        if not self.tty:
            return
        index, name = self.stage
        share = (index + (done / total if total else 0.0)) / len(STAGES)
        filled = min(self.WIDTH, int(share * self.WIDTH))
        count = f" {done:,}/{total:,}" if total else ""
        self.stream.write(f"\r[{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                          f"{index + 1}/{len(STAGES)} {name}{count}\033[K")
        self.stream.flush()
        self.drawn_at = time.monotonic()

    def finish(self, name: str, seconds: float, detail: str) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"{name}: {detail} ({seconds:.2f}s)\n")
        self.stream.flush()


def build(project: Project, settings: Settings, *, jobs: int | None = None,
          progress: bool = False, force: bool = False) -> BuildReport:
    """Build ``project``: read its articles, update its briefings, write its site.

    Raises BriefgenError (listing every problem) when a briefing file is
    broken, or when another build or clean of the project is running;
    nothing is written then. When no input changed since the last
    successful build, nothing is redone (``force`` redoes it anyway).
    """
    report = BuildReport()
    _check_cache_dir(project)
    article_files = articles_signature(project)
    inputs = input_listing(project)
    fingerprint = input_fingerprint(project, settings, article_files, inputs)
    last = None if force else _last_build(project, fingerprint)
    if last is not None:
        report.up_to_date = True
        report.warnings = [Problem(*fields) for fields in last.get("warnings", [])]
        report.notices = list(last.get("notices", []))
        return report
    with _exclusive(project):
        collector = _StageCollector()
        try:
            return _build(project, settings, report, jobs, progress, collector, article_files, inputs)
        finally:
            collector.release()


class _StageCollector:
    """The cyclic garbage collector's part in a build: what each stage leaves for the
    later ones is moved out of its view.

    Every full collection walks every tracked object alive: at a hundred
    thousand articles the articles, records and caches held from stage to
    stage made each one cost half a second, and adding one article set off
    eighteen. ``gc.freeze`` puts what is alive at a stage's end where the
    collector never looks; objects are still freed when their last reference
    goes. Stages that build long-lived data and little cyclic garbage run
    with the collector paused, so that what they build is not walked once
    more on the way. Whoever froze first unfreezes: a build inside a
    longer-lived process (tests, ``briefgen serve``) leaves the collector as
    it found it.
    """

    def __init__(self) -> None:
        self.owner = gc.isenabled() and gc.get_freeze_count() == 0

    @contextmanager
    def stage(self, paused: bool) -> Iterator[None]:
        if self.owner and paused:
            gc.disable()
        try:
            yield
        finally:
            if self.owner:
                gc.freeze()
                gc.enable()

    def release(self) -> None:
        if self.owner:
            gc.unfreeze()


#: Stages run with the collector paused (see ``_StageCollector``); rendering,
#: which runs the theme's templates in this process, keeps it.
PAUSED_STAGES = frozenset({"ingest", "cluster", "extract", "briefing"})


def _build(project: Project, settings: Settings, report: BuildReport, jobs: int | None,
           progress: bool, collector: _StageCollector, article_files: str,
           inputs: list[tuple[str, str]]) -> BuildReport:
    """The build itself, with the project to itself; ``article_files`` and ``inputs``:
    the article files' signature and the other inputs' listing, taken before
    anything was read (see ``articles_signature`` and ``input_listing``)."""
    # The stages are imported only now: answering "up to date" must not pay
    # for loading scikit-learn, Jinja2 and the extraction rules.
    from . import briefing, ingest, render

    for legacy in LEGACY_CACHE_FILES:  # single-file caches of earlier versions, now sharded
        (project.cache_dir / legacy).unlink(missing_ok=True)
    diagnostics = Diagnostics()
    workers = worker_count(settings, jobs)
    shown = _Progress(progress)
    details: dict[str, str] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        shown.start(STAGES.index(name), name)
        started = time.perf_counter()
        with collector.stage(paused=name in PAUSED_STAGES):
            yield
        seconds = time.perf_counter() - started
        report.stage_seconds[name] = seconds
        report.stage_peak_mib[name] = _peak_rss_mib()
        shown.finish(name, seconds, details.get(name, "done"))

    with stage("ingest"):
        read_memo = ShardedMemo(project.cache_dir / "articles", code_fingerprint(
            [PACKAGE_DIR / name for name in ("ingest.py", "models.py", "safeyaml.py")]))
        articles = ingest.read_articles(project, settings, diagnostics, jobs=workers, memo=read_memo,
                                          progress=shown.advance)
        read_memo.save()
        del read_memo
        excluded = set(settings.exclude)
        articles = [a for a in articles if a.id not in excluded]
        by_id = {a.id: a for a in articles}
        store = briefing.load_all(project)
        report.articles_read = len(articles)
        details["ingest"] = f"{len(articles)} article(s)"
    with stage("cluster"):
        stories = cluster_all(project, articles, settings, workers)
        plans = briefing.plan(store, stories, by_id, settings)
        details["cluster"] = f"{len(stories)} stor(y/ies), {len(plans)} briefing(s)"
    with stage("extract"):
        extractions = extract_all(project, plans, by_id, workers, progress=shown.advance)
        details["extract"] = (f"{extractions.extracted} briefing(s) extracted, "
                              f"{len(extractions) - extractions.extracted} unchanged")
        # The later stages need an article's details, not its text (``extractions``
        # keeps the articles it may have to extract again). At a hundred thousand
        # articles that leaves the briefing stage a few hundred megabytes. (The
        # stage runs with the collector paused: see ``_StageCollector``.)
        by_id = {article_id: article.without_text() for article_id, article in by_id.items()}
        del articles, stories
    with stage("briefing"):
        briefings = briefing.reconcile(store, plans, extractions, by_id, jobs=workers,
                                       merged=extractions.release)
        # Saving needs neither the extractions nor the plans, rendering not even the
        # merge results: each is dropped as soon as it is done with.
        del plans, extractions
        saved = briefing.save_all(project, store, briefings)
        digests = store.digests
        del store
    with stage("render"):
        rendered = render.render_site(project, settings, briefings, by_id, diagnostics, jobs=workers,
                                      digests=digests)
        details["render"] = f"{rendered.written} page(s) written"

    report.articles_skipped = sum(1 for w in diagnostics.warnings if w.message.startswith("skipped"))
    report.briefings = len(briefings)
    report.briefings_created = saved.created
    report.briefings_updated = saved.updated
    report.briefings_unchanged = saved.unchanged
    report.edits_kept = saved.edits_kept
    report.pages_written = rendered.written
    report.pages_unchanged = rendered.unchanged
    report.pages_removed = rendered.removed
    report.warnings = diagnostics.warnings
    report.notices = list(rendered.notices)
    _record_success(project, settings, report, article_files, inputs, saved.files)
    return report


def cluster_all(project: Project, articles: list[Article], settings: Settings,
                workers: int = 1) -> list[Story]:
    """Group the articles into stories, reusing the last grouping when no article changed.

    An edit to a briefing file alone then costs no clustering at all; new
    articles cost only counting their own words (the saved vocabulary holds
    everyone else's).
    """
    digest = hashlib.sha256(json.dumps([settings.similarity, settings.window_days]).encode())
    for article in articles:
        digest.update(f"{article.id}\0{article.digest}\n".encode("utf-8", "surrogateescape"))
    version = code_fingerprint([PACKAGE_DIR / "cluster.py", PACKAGE_DIR / "models.py"]) + \
        _installed("scikit-learn", "sklearn")
    memo = Memo(project.cache_dir / "stories.pickle", version)
    key = digest.hexdigest()
    stories = memo.get(key)
    if stories is None:
        from . import (
            cluster,  # scikit-learn itself is loaded only to count many new texts
        )

        vocabulary_file = project.cache_dir / "vocabulary.pickle"
        vocabulary = load_value(vocabulary_file, version) or cluster.Vocabulary()
        stories = cluster.cluster(articles, settings, vocabulary, threads=workers)
        save_value(vocabulary_file, version, vocabulary)
        memo.put(key, stories)
    memo.save()
    return stories


def _installed(distribution: str, package: str) -> str:
    """A library's installed version (its word lists are part of what a cache holds).

    Read from the name of the ``.dist-info`` folder beside the package, as pip
    installs it: ``importlib.metadata`` would import some thirty modules and
    look through every installed distribution on each build that groups.
    """
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return "absent"
    prefix, suffix = re.sub(r"[-_.]+", "_", distribution).lower() + "-", ".dist-info"  # the wheel's spelling
    with os.scandir(Path(spec.origin).parent.parent) as entries:
        found = [entry.name[len(prefix):-len(suffix)] for entry in entries
                 if entry.name.lower().startswith(prefix) and entry.name.endswith(suffix)]
    if len(found) == 1:
        return found[0]
    # another layout (a system package, an egg): ask the slow way
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "absent"


#: Below this many briefings to extract, a process pool costs more than it saves.
MIN_PARALLEL_EXTRACTIONS = 64


def _extract_group(group: tuple[list[Article], dict[str, str]]) -> Extraction:
    from . import extract

    articles, copies = group
    return extract.extract(articles, copies)


def _extract_planned(groups: dict[str, tuple[list[Article], dict[str, str]]], plan_id: str) -> Extraction:
    return _extract_group(groups[plan_id])


def _plan_key(plan: briefing.Plan, by_id: dict[str, Article]) -> str:
    """What an extraction depends on: its articles' bytes and the copies among them."""
    digest = hashlib.sha256()
    for article_id in plan.article_ids:
        digest.update(f"{article_id}\0{by_id[article_id].digest}\n".encode("utf-8", "surrogateescape"))
    digest.update(json.dumps(sorted(plan.copies.items())).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class Extractions(Mapping[str, "Extraction"]):
    """Each planned briefing's extraction, read from the cache only when asked for.

    A rebuild after one new article extracts one briefing; the thousands of
    unchanged ones stay on disk unless a later stage needs them.
    """

    def __init__(self, keys: dict[str, str], memo: ShardedMemo, fresh: dict[str, Extraction],
                 groups: dict[str, tuple[list[Article], dict[str, str]]]):
        self._keys = keys
        self._memo = memo
        self._fresh = fresh
        # a cached extraction's articles (texts and all), to extract it again if its shard
        # was lost; the others' texts are not needed any more
        self._groups = {plan_id: group for plan_id, group in groups.items() if plan_id not in fresh}
        self.extracted = len(fresh)  # extracted by this build rather than read from the cache

    def key(self, plan_id: str) -> str:
        """What the extraction was computed from (equal keys, equal extractions)."""
        return self._keys[plan_id]

    def __getitem__(self, plan_id: str) -> Extraction:
        extraction = self._fresh.get(plan_id)
        if extraction is None:
            extraction = self._memo.get(self._keys[plan_id])
        if extraction is None:  # the index outlived its shard (a build killed mid-save)
            extraction = self._fresh[plan_id] = _extract_group(self._groups[plan_id])
        return extraction

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def release(self, plan_id: str) -> None:
        """Let go of an extraction this build made, once its briefing is merged: at a
        hundred thousand articles the extractions and the merged briefings need not
        all be in memory at once. It stays readable from the cache (when saved there)."""
        key = self._keys.get(plan_id)  # None: a handmade briefing, never extracted
        if key is not None and key in self._memo:
            self._fresh.pop(plan_id, None)


def extract_all(project: Project, plans: list[briefing.Plan], by_id: dict[str, Article],
                workers: int, progress: Callable[[int, int], None] | None = None) -> Extractions:
    """Extract every planned briefing whose articles changed; the rest come from the cache."""
    version = code_fingerprint([*(PACKAGE_DIR / "extract").glob("*.py"), PACKAGE_DIR / "models.py"])
    memo = ShardedMemo(project.cache_dir / "extractions", version)
    keys = {plan.id: _plan_key(plan, by_id) for plan in plans}
    groups = {plan.id: ([by_id[a] for a in plan.article_ids], plan.copies) for plan in plans}
    todo = []
    for plan in plans:
        if keys[plan.id] in memo:
            memo.keep(keys[plan.id])
        else:
            todo.append(plan.id)
    fresh = None
    if workers > 1 and len(todo) >= MIN_PARALLEL_EXTRACTIONS:
        from .pool import map_shared  # not before: "up to date" must stay quick to answer

        fresh = map_shared(_extract_planned, {i: groups[i] for i in todo}, todo, workers, progress=progress,
                           chunksize=min(64, len(todo) // (workers * 8)))
    if fresh is None:
        fresh = collect(map(_extract_group, [groups[i] for i in todo]), len(todo), progress)
    for plan_id, extraction in zip(todo, fresh):
        memo.put(keys[plan_id], extraction)
    memo.save()
    memo.unload()  # the fresh extractions stay with ``Extractions`` only, which can release them
    return Extractions(keys, memo, dict(zip(todo, fresh)), groups)


def _peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def clean(project: Project) -> list[Path]:
    """Remove the built site and the build cache; never the content. Refused while a
    build of the project runs."""
    if project.cache_dir.is_dir() and not project.cache_dir.is_symlink():
        with _exclusive(project):
            return _clean(project)
    return _clean(project)


def _clean(project: Project) -> list[Path]:
    from .sitefiles import check_site_dir

    removed = []
    if project.site_dir.exists():
        check_site_dir(project.site_dir)  # refuses a folder briefgen did not write
        shutil.rmtree(project.site_dir)
        removed.append(project.site_dir)
    if project.cache_dir.is_symlink():
        project.cache_dir.unlink()  # the link only, never what it points to
        removed.append(project.cache_dir)
    elif project.cache_dir.exists():
        shutil.rmtree(project.cache_dir)
        removed.append(project.cache_dir)
    return removed
