"""Render the briefing website into site/: Jinja2 themes, relative links, atomic writes.

Every internal link is relative, so the same files work at a domain root and under
a GitHub Pages project path. A file is written only when its bytes change (temp
file + ``os.replace``), and a manifest in ``site/.briefgen-site`` records what
briefgen wrote, so pages that no longer exist are removed and nothing else is.

Rendering is incremental: every output file has a fingerprint of exactly the
data it shows (plus the theme, the settings and briefgen's own code), kept in a
render cache under the project's ``.briefgen/``. A file whose fingerprint and
on-disk size and mtime match the cache is neither rendered nor read nor written,
so a rebuild after one briefing changed renders a handful of pages. What a
briefing contributes to the index, entity and publisher pages and to
briefings.json is cached per briefing, so unchanged briefings cost no page work.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import posixpath
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from . import __version__, feeds, search
from .cache import ShardedMemo, paused_gc
from .config import Project, Settings
from .diagnostics import BriefgenError, Diagnostics, Problem
from .markup import _FORBIDDEN_CHARS, markdown_block, parse_iso_date
from .models import Article, Briefing
from .pool import pool_context
from .render_cache import (
    BriefingCore,
    BriefingSummary,
    FileState,
    Fragments,
    RenderCache,
    Spill,
    briefing_page_fingerprint,
    content_digest,
    entry_of,
    fingerprint,
    record_digest,
)
from .sitefiles import (
    MARKER_FILE,
    SiteWriter,
    _manifest_bytes,
    read_manifest,
    remove_leftover_temps,
    remove_stale,
)
from .views import (
    ACTORS_DIR,
    PLACES_DIR,
    PUBLISHERS_DIR,
    BriefingPage,
    PublisherItem,
    SiteLinks,
    SiteModel,
    _publisher_key,
    briefing_page_data,
    entity_entries,
    index_order,
    link_facts,
    link_fingerprint_data,
    plan_links,
    plan_redirects,
    publisher_entries,
)

STATIC_DIR = "static"
#: Below this many pages a process pool costs more than it saves.
MIN_PAGES_PER_WORKER = 200
#: Briefing pages handed to a worker process at a time.
CHUNK_PAGES = 64
#: The render cache, a folder under the project's cache folder.
CACHE_FILE = "render-cache"
#: Where briefgen before the sharded cache kept it: removed when found.
OLD_CACHE_FILE = "render-cache.pickle"
#: Bumped whenever the cache's layout changes; older caches are then ignored.
CACHE_FORMAT = 3
#: briefgen modules whose code decides a page's bytes: a change to any of them invalidates the cache.
RENDER_MODULES = ("render.py", "views.py", "feeds.py", "charts.py", "markup.py", "models.py")


@dataclass
class RenderReport:
    """What a render changed in site/ and what it skipped."""

    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0  # files left as they were
    removed: int = 0  # stale files from an earlier build, deleted
    written_files: list[str] = field(default_factory=list)  # paths relative to site/
    removed_files: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # informational: skipped feed, search, ...


# -- themes --------------------------------------------------------------------------
def builtin_themes_dir() -> Path:
    """The themes shipped with briefgen: inside the package when installed from a
    wheel, at the repository's top level in a source checkout."""
    packaged = Path(__file__).resolve().parent / "themes"
    if (packaged / "default").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


DEFAULT_THEMES_DIR = builtin_themes_dir()


def theme_dirs(project: Project, settings: Settings) -> list[Path]:
    """Theme folders, most specific first; a file in an earlier one shadows the later ones."""
    builtin = DEFAULT_THEMES_DIR
    candidates = [project.themes_dir / settings.theme, builtin / settings.theme, builtin / "default"]
    dirs: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir() and candidate.resolve() not in [d.resolve() for d in dirs]:
            dirs.append(candidate)
    if not any(d.name == settings.theme for d in dirs[:2]):
        raise BriefgenError(Problem("briefgen.yaml", f"theme {settings.theme!r} not found in "
                                    f"{project.themes_dir} or among briefgen's themes"))
    if not (builtin / "default").is_dir():
        raise BriefgenError(f"briefgen's default theme is missing ({builtin / 'default'}); reinstall briefgen")
    return dirs


def _finalize(value: object) -> object:
    """Applied to every ``{{ }}``: None prints nothing, strings lose forbidden characters."""
    kind = type(value)
    if kind is str:
        return _FORBIDDEN_CHARS.sub("", value) if _FORBIDDEN_CHARS.search(value) else value
    if kind is Markup or kind is int or value is None:
        return "" if value is None else value
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _FORBIDDEN_CHARS.sub("", value)
    return value


_DICT_ATTRIBUTES = frozenset(dir(dict))


class PageEnvironment(Environment):
    """Jinja2 with a fast path for ``row.name`` on the plain dicts the views build.

    Jinja tries ``getattr`` first and falls back to the key, which costs an
    exception per lookup; for a dict key that is not also a dict method the
    result is the same, so the key is looked up directly.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class StoredBytecode(BytecodeCache):
    """Compiled templates kept in the render cache: a small rebuild skips compiling
    every template. Jinja checks each entry against its template's source."""

    def __init__(self, store: dict[str, bytes]):
        self.store = store

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def make_environment(dirs: list[Path], compiled: dict[str, bytes] | None = None,
                     cards: dict[str, str] | Fragments | None = None) -> Environment:
    env = PageEnvironment(
        bytecode_cache=StoredBytecode(compiled) if compiled is not None else None,
        loader=FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a render: no stat per page
    )
    env.globals.update(cite=cite_link, cites=cite_links, status=status_mark)
    fragments = {} if cards is None else cards
    env.globals["card"] = partial(remembered_macro, env, fragments, "briefing_card")
    env.globals["cited_item"] = partial(remembered_macro, env, fragments, "publisher_item")
    env.globals["cards"] = partial(remembered_list, env, fragments, "briefing_card")
    env.globals["cited_items"] = partial(remembered_list, env, fragments, "publisher_item")
    env.globals["link_items"] = partial(remembered_list, env, fragments, "briefing_link")
    return env


def remembered_macro(env: Environment, fragments: dict[str, str] | Fragments, macro: str, item: Any, root: str) -> Markup:
    """A macro of macros.html for one briefing (``item`` is its page) or one report a
    publisher published (``item`` is a PublisherItem), remembered by the briefing page's
    fingerprint: an index or publisher page listing thousands re-renders only what changed."""
    return Markup(_remembered(env, fragments, macro, item, root))


def remembered_list(env: Environment, fragments: dict[str, str] | Fragments, macro: str, items: list, root: str) -> Markup:
    """``remembered_macro`` for every item, each followed by a newline: the output of
    ``{% for %}`` around it, without a template call per item on pages listing thousands."""
    return Markup("".join([_remembered(env, fragments, macro, item, root) + "\n" for item in items]))


def _fragment_key(macro: str, item: Any, root: str) -> str | None:
    """Where a list entry is remembered: under the fingerprint of the briefing page it
    shows (None when that is unknown)."""
    page = item if isinstance(item, BriefingPage) else getattr(item, "briefing", None)
    if not isinstance(page, BriefingPage) or not page.fingerprint:
        return None
    where = f"\0{item.ref}" if isinstance(item, PublisherItem) else ""
    return f"{page.fingerprint}\0{macro}{where}\0{root}"


def _remembered(env: Environment, fragments: dict[str, str] | Fragments, macro: str, item: Any, root: str) -> str:
    key = _fragment_key(macro, item, root)
    if key is not None:
        html = fragments.get(key)
        if html is not None:
            return html
    html = str(getattr(env.get_template("macros.html").module, macro)(item, root))
    if key is not None:
        fragments[key] = html
    return html


def environment_key(dirs: list[Path], settings: Settings) -> str:
    """Everything besides a page's own data that decides its bytes: briefgen's
    version and rendering code, every theme file, and the settings."""
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}\0{__version__}\0".encode())
    package = Path(__file__).resolve().parent
    for name in RENDER_MODULES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    for position, theme in enumerate(dirs):
        for folder in ("templates", "static"):
            root = theme / folder
            if not root.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for name in sorted(filenames):
                    file = Path(dirpath) / name
                    if not file.is_file():
                        continue
                    rel = file.relative_to(theme).as_posix()
                    digest.update(f"{position}\0{rel}\0{file.is_symlink()}\0".encode("utf-8", "surrogateescape"))
                    digest.update(file.read_bytes() + b"\0")
    digest.update(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    return digest.hexdigest()


# Small pieces every briefing page repeats dozens of times: Python, not Jinja macros,
# because a macro call costs more than the rest of a table row.
def cite_link(cite: dict | None) -> Markup:
    """``[n]`` linking to source entry n of the same page."""
    if not cite:
        return Markup('<span class="cite cite-missing">[source unknown]</span>')
    return Markup(f'<a class="cite" href="#{escape(cite["anchor"])}">[{escape(cite["ref"])}]</a>')


def cite_links(cites: list[dict]) -> Markup:
    return Markup("").join(cite_link(c) for c in cites)


def status_mark(item: dict) -> Markup:
    """Checked by an editor, or not (and then who put it there)."""
    if item["checked"]:
        return Markup('<span class="status status-checked">✓ checked</span>')
    return Markup(f'<span class="status status-unchecked">{escape(item["status"])}</span>')


def static_files(dirs: list[Path]) -> dict[str, Path]:
    """Static files by site path; the most specific theme wins, symlinks are ignored."""
    found: dict[str, Path] = {}
    for theme in reversed(dirs):
        root = theme / "static"
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not (Path(dirpath) / d).is_symlink())
            for name in sorted(filenames):
                file = Path(dirpath) / name
                if file.is_symlink() or not file.is_file():
                    continue
                found[f"{STATIC_DIR}/{file.relative_to(root).as_posix()}"] = file
    return dict(sorted(found.items()))


# -- pages ---------------------------------------------------------------------------
def root_prefix(path: str) -> str:
    """'../' per folder level: how a page at ``path`` reaches the site root."""
    return "../" * path.count("/")


def relative(from_path: str, to_path: str) -> str:
    """A link from the page ``from_path`` to the site file ``to_path``."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


@dataclass
class PageJob:
    path: str
    template: str
    context: dict


def _site_globals(settings: Settings, has_feed: bool) -> dict:
    return {
        "site": {
            "title": settings.title,
            "description": settings.description,
            "language": settings.language,
            "search": settings.search,
            "feed": has_feed,
            "url": settings.site_url,
        },
    }


def _render_one(env: Environment, job: PageJob, site_globals: dict) -> bytes:
    site_url = site_globals["site"]["url"]
    is_404 = job.path == "404.html"
    context = {
        **site_globals,
        **job.context,
        "page_path": job.path,
        # GitHub Pages serves 404.html at whatever depth the missing address had, so
        # relative links cannot work there: with a known site URL they are absolute.
        "root": (site_url or "") if is_404 else root_prefix(job.path),
        "canonical": site_url + job.path if site_url and job.template not in ("404.html", "redirect.html") else None,
    }
    try:
        html = env.get_template(job.template).render(context)
    except TemplateError as exc:
        where = getattr(exc, "filename", None) or job.template
        raise BriefgenError(Problem(str(where), f"template error: {exc}", getattr(exc, "lineno", None))) from None
    return html.encode("utf-8", "replace")


def _slim_row(row: dict) -> dict:
    """A key-figure row without the links back into the whole figure table: what the
    index shows, small enough to cache for every briefing."""
    slim = dict(row)
    slim["flags"] = [{"type": flag["type"],
                      "others": [{**other, "flags": []} for other in flag["others"]]} for flag in row["flags"]]
    return slim


# -- briefing pages, in this process or in workers ------------------------------------------
@dataclass
class BriefingWork:
    """What the briefing pages need, shared by every worker (inherited when forking)."""

    dirs: list[str]
    site_dir: str
    site_globals: dict
    records: dict[str, Briefing]
    articles: dict[str, Article]
    links: SiteLinks
    known: dict[str, FileState]  # the cache's record of each page, to skip reading it
    compiled: dict[str, bytes]  # compiled templates from the cache


@dataclass
class BriefingResult:
    id: str
    summary: BriefingSummary
    page: FileState | None  # None when the page was not rendered (its file is current)
    written: bool
    entries: dict[str, str] = field(default_factory=dict)  # list entries by fragment key


def briefing_summary(record: Briefing, articles: dict[str, Article], links: SiteLinks, site_globals: dict
                     ) -> tuple[BriefingSummary, dict, list[dict], list[dict]]:
    """(summary, page context, slim key figures, source entries) of one briefing."""
    warnings, source_warnings = Diagnostics(), Diagnostics()
    context, key_figures, sources = briefing_page_data(record, articles, links, warnings, source_warnings)
    path = links.briefing_path(record.id)
    slim_figures = [_slim_row(row) for row in key_figures]
    summary = BriefingSummary(
        figures=pickle.dumps(slim_figures, protocol=pickle.HIGHEST_PROTOCOL),
        sources=pickle.dumps(sources, protocol=pickle.HIGHEST_PROTOCOL),
        source_refs=[(_publisher_key(entry["publisher"]), entry["ref"]) for entry in sources],
        warnings=warnings.warnings, source_warnings=source_warnings.warnings,
        export=feeds.encode_fragment(feeds.export_fragment(record, path)),
        feed_entry=_feed_entry_xml(record, path, site_globals))
    return summary, context, slim_figures, sources


class BriefingRenderer:
    """Builds one briefing's page data and summary, and renders and writes its page."""

    def __init__(self, work: BriefingWork):
        self.work = work
        self.env = make_environment([Path(d) for d in work.dirs], work.compiled)
        self.writer = SiteWriter(Path(work.site_dir))

    def run(self, task: tuple[str, str, bool]) -> BriefingResult:
        record_id, page_fingerprint, render_page = task
        work = self.work
        record = work.records[record_id]
        path = work.links.briefing_path(record_id)
        summary, context, slim_figures, sources = briefing_summary(record, work.articles, work.links,
                                                                   work.site_globals)
        if not render_page:
            return BriefingResult(record_id, summary, None, False)
        page = BriefingPage(record, work.links.slugs[record_id], path, key_figures=slim_figures,
                            source_entries=sources, context=context, fingerprint=page_fingerprint)
        data = _render_one(self.env, PageJob(path, "briefing.html", {"briefing": page, **context}),
                           work.site_globals)
        written, state = self.writer.write_known(path, data, work.known.get(path))
        state = FileState(page_fingerprint, state.digest, state.size, state.mtime_ns)
        return BriefingResult(record_id, summary, state, written, self.list_entries(page))

    def list_entries(self, page: BriefingPage) -> dict[str, str]:
        """The briefing's card on the index and its items on publisher pages, rendered
        here beside its page: those pages come last, when only this process is left
        to render them, and then just join the entries.

        An entry the theme's macros cannot render (a failing template, a macro
        of its own taking other arguments) is left to the page that lists it,
        which reports any error with that page's name.
        """
        entries: dict[str, str] = {}
        macros = self.env.get_template("macros.html").module
        wanted = []
        if hasattr(macros, "briefing_card"):
            wanted.append(("briefing_card", page, root_prefix("index.html")))
        if hasattr(macros, "publisher_item"):
            for position, (publisher, _) in enumerate(page.source_refs):
                publisher_path = self.work.links.publisher_urls.get(publisher)
                if publisher_path:
                    wanted.append(("publisher_item", PublisherItem(page, position), root_prefix(publisher_path)))
        for macro, item, root in wanted:
            with suppress(Exception):  # only a head start: the listing page renders it again
                _remembered(self.env, entries, macro, item, root)
        return entries


_WORKER: dict = {}


def _worker_init(work: BriefingWork) -> None:
    _WORKER["renderer"] = BriefingRenderer(work)


def _worker_run(tasks: list[tuple[str, str, bool]]) -> list[BriefingResult]:
    return [_WORKER["renderer"].run(task) for task in tasks]


class BriefingRun:
    """Briefing pages being built: in worker processes when that pays, else in this one.

    With workers, this process is free meanwhile for the pages that need no
    briefing summaries (entity pages, redirects, ...); ``results`` waits for the rest.
    """

    def __init__(self, work: BriefingWork, tasks: list[tuple[str, str, bool]], workers: int):
        self.work = work
        self.tasks = tasks
        rendering = sum(1 for task in tasks if task[2])
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list = []
        if workers > 1 and rendering >= 2 * MIN_PAGES_PER_WORKER:
            workers = min(workers, max(2, rendering // MIN_PAGES_PER_WORKER))
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(),
                                            initializer=_worker_init, initargs=(work,))
            self.pending = [self.pool.submit(_worker_run, tasks[i:i + CHUNK_PAGES])
                            for i in range(0, len(tasks), CHUNK_PAGES)]

    def results(self) -> Iterator[BriefingResult]:
        """Each page's result in task order, let go of once handed on."""
        if self.pool is None:
            renderer = BriefingRenderer(self.work)
            for task in self.tasks:
                yield renderer.run(task)
            return
        try:
            self.pending.reverse()
            while self.pending:
                yield from self.pending.pop().result()
        finally:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class Summaries:
    """Every briefing's summary: its small part (``core``) from the cache or from this
    build's workers, its bulky part from the sharded cache entry of its page, read only
    when a page needs it; built here on demand when a theme reads one before the
    workers are done, or when the cache lost the entry."""

    def __init__(self, records: dict[str, Briefing], articles: dict[str, Article], links: SiteLinks,
                 site_globals: dict, store: ShardedMemo, page_prints: dict[str, str], spill: Spill):
        self.records = records
        self.articles = articles
        self.links = links
        self.site_globals = site_globals
        self.store = store
        self.page_prints = page_prints
        self.spill = spill
        self.core: dict[str, BriefingCore] = {}
        self.early: dict[str, tuple[list[dict], list[dict]]] = {}

    def add(self, record_id: str, summary: BriefingSummary, entries: dict[str, str]) -> None:
        """A summary built in this build: stored with the list entries its page entry
        already has and those rendered with it."""
        self.core[record_id] = BriefingCore.of(summary)
        key = self.page_prints[record_id]
        entry = self.store.get(key)
        self._store(key, summary, {**entry["cards"], **entries} if entry is not None else entries)

    def entry(self, record_id: str) -> dict:
        key = self.page_prints[record_id]
        entry = self.store.get(key)
        if entry is None or "export" not in entry:
            summary = briefing_summary(self.records[record_id], self.articles, self.links, self.site_globals)[0]
            entry = self._store(key, summary, entry["cards"] if entry is not None else None)
        return entry

    def _store(self, key: str, summary: BriefingSummary, cards: dict[str, str] | None) -> dict:
        """A page's entry as the store keeps it: its bulky parts parked in the scratch file."""
        entry = self.spill.parked_entry(entry_of(summary, cards))
        self.store.put(key, entry)
        return entry

    def export(self, record_id: str) -> bytes:
        """The briefing's entry of briefings.json, encoded."""
        return self.spill.fetch(self.entry(record_id)["export"])

    def feed_entry(self, record_id: str) -> str:
        """The briefing's entry of feed.xml ("" when it has none)."""
        return self.spill.fetch(self.entry(record_id)["feed_entry"])

    def part(self, record_id: str, name: str) -> list:
        core = self.core.get(record_id)
        if core is None:
            if record_id not in self.early:
                _, key_figures, sources = briefing_page_data(self.records[record_id], self.articles, self.links,
                                                             Diagnostics())
                self.early[record_id] = ([_slim_row(row) for row in key_figures], sources)
            key_figures, sources = self.early[record_id]
            if name == "source_refs":
                return [(_publisher_key(entry["publisher"]), entry["ref"]) for entry in sources]
            return key_figures if name == "key_figures" else sources
        if name == "source_refs":
            return core.source_refs
        if name == "key_figures":
            return pickle.loads(self.entry(record_id)["figures"])
        sources = pickle.loads(self.spill.fetch(self.entry(record_id)["sources"]))
        for entry in sources:  # publisher pages may have moved since the summary was cached
            entry["publisher_url"] = self.links.publisher_urls.get(_publisher_key(entry["publisher"]))
        return sources


# -- the whole site --------------------------------------------------------------------
class SiteRender:
    """One render of the site: decides, per file, whether its inputs changed."""

    def __init__(self, site_dir: Path, cache: RenderCache, report: RenderReport, page_key: str):
        self.site_dir = site_dir
        self.cache = cache
        self.report = report
        self.page_key = page_key  # environment key + site-wide values every page shows
        self.writer = SiteWriter(site_dir)
        self.files: dict[str, FileState] = {}
        self.results: list[tuple[str, bool]] = []

    def page_fingerprint(self, rel: str, *parts: object) -> str:
        return fingerprint(self.page_key, rel, *parts)

    def emit(self, rel: str, page_fingerprint: str, produce: Callable[[], bytes]) -> None:
        """Write ``rel`` unless the file already holds what ``page_fingerprint`` stands for."""
        self._emit(rel, page_fingerprint, lambda known: self.writer.write_known(rel, produce(), known))

    def emit_pieces(self, rel: str, page_fingerprint: str, produce: Callable[[], Iterable[bytes]]) -> None:
        """``emit`` for a file too large to hold whole: ``produce()`` gives its pieces."""
        self._emit(rel, page_fingerprint, lambda known: self.writer.write_pieces_known(rel, produce(), known))

    def _emit(self, rel: str, page_fingerprint: str,
              write: Callable[[FileState | None], tuple[bool, FileState]]) -> None:
        state = self.cache.current(self.site_dir, rel, page_fingerprint)
        if state is not None:
            self.files[rel] = state
            self.results.append((rel, False))
            return
        written, state = write(self.cache.files.get(rel))
        self.files[rel] = FileState(page_fingerprint, state.digest, state.size, state.mtime_ns)
        self.results.append((rel, written))

    def template_page(self, env: Environment, site_globals: dict, job: PageJob, *parts: object) -> None:
        self.emit(job.path, self.page_fingerprint(job.path, job.template, *parts),
                  lambda: _render_one(env, job, site_globals))


def _feed_entry(record: Briefing, path: str, updated: date) -> dict:
    return {"id": record.id, "title": record.title, "path": path, "updated": updated,
            "summary": " ".join(" ".join(p.text.split()) for p in record.summary)}


def _feed_entry_xml(record: Briefing, path: str, site_globals: dict) -> str:
    site_url, updated = site_globals["site"]["url"], parse_iso_date(record.updated)
    if not site_url or updated is None:
        return ""
    return feeds.atom_entry(site_url, _feed_entry(record, path, updated))


def _feed_entries(model: SiteModel) -> list[dict]:
    """The dated briefings, newest first, without their XML (see ``_with_xml``)."""
    dated = [page for page in model.briefings if page.updated is not None]
    return [{"id": page.record.id, "path": page.path, "updated": page.updated}
            for page in sorted(dated, key=lambda p: (-p.updated.toordinal(), p.record.id))]


def _with_xml(entries: list[dict], summaries: Summaries) -> list[dict]:
    """Feed entries with their XML from the summaries: read only when feed.xml is written."""
    return [{**entry, "xml": summaries.feed_entry(entry["id"])} for entry in entries]


def render_site(
    project: Project,
    settings: Settings,
    briefings: list[Briefing],
    articles: dict[str, Article],
    diagnostics: Diagnostics,
    *,
    jobs: int = 1,
    site_dir: Path | None = None,
    digests: Mapping[str, str] | None = None,
) -> RenderReport:
    """Write the site for ``briefings`` into ``site_dir`` (default: the project's site/).

    ``digests``: each briefing's digest by id, equal for equal briefings, where the
    caller has one (the briefing stage's, of its frozen form), so that the render
    cache need not serialize every briefing to recognize it; made here otherwise.

    Raises BriefgenError when the folder holds files briefgen did not write, when
    the theme is missing or a template fails.
    """
    # The records, articles and render cache are hundreds of thousands of long-lived
    # objects; every full collection the render's allocations trigger would walk them
    # all (about a second at ten thousand briefings). Frozen, they are skipped, and
    # forked workers share their pages instead of copying them. Whoever froze first
    # (a build, between its stages) unfreezes.
    freeze = gc.isenabled()
    owner = freeze and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        with Spill(project.cache_dir / CACHE_FILE) as spill:
            return _render_site(project, settings, briefings, articles, diagnostics, jobs=jobs, site_dir=site_dir,
                                freeze=freeze, spill=spill, known_digests=digests or {})
    finally:
        if owner:
            gc.unfreeze()


def _render_site(project: Project, settings: Settings, briefings: list[Briefing], articles: dict[str, Article],
                 diagnostics: Diagnostics, *, jobs: int, site_dir: Path | None, freeze: bool,
                 spill: Spill, known_digests: Mapping[str, str]) -> RenderReport:
    site_dir = Path(site_dir) if site_dir is not None else project.site_dir
    report = RenderReport()
    previous = read_manifest(site_dir)
    dirs = theme_dirs(project, settings)
    site_url = settings.site_url
    has_feed = bool(site_url) and any(parse_iso_date(record.updated) for record in briefings)
    site_globals = _site_globals(settings, has_feed)
    env_key = environment_key(dirs, settings)
    cache_path = project.cache_dir / CACHE_FILE
    with paused_gc():  # frozen as loaded, not walked once by the collector first
        cache = RenderCache.load(cache_path, env_key, site_dir)
        store = cache.entries
        if freeze:
            gc.freeze()  # the cache is long-lived too
            store.freeze = True
    run = SiteRender(site_dir, cache, report, fingerprint(env_key, site_globals))

    # Where every page lives, from the records alone.
    by_id = {record.id: record for record in briefings}
    digests = {i: known_digests.get(i) or record_digest(record) for i, record in by_id.items()}
    # a briefing handed on packed stays so: the page workers unpack their own
    facts = {digests[i]: cache.facts.get(digests[i]) or link_facts(_whole(record)) for i, record in by_id.items()}
    facts_by_id = {i: facts[digest] for i, digest in digests.items()}
    links = plan_links(briefings, articles, diagnostics, facts_by_id)
    redirect_warnings = Diagnostics()
    redirects = plan_redirects(briefings, links, redirect_warnings)
    ids = sorted(by_id)
    page_prints = {i: briefing_page_fingerprint(run.page_key, links.briefing_path(i), digests[i], articles,
                                                facts_by_id[i].outside, link_fingerprint_data(by_id[i], links))
                   for i in ids}
    statics = static_files(dirs)
    about_file = project.content_dir / "about.md"
    about_text = None
    if about_file.is_file() and not about_file.is_symlink():
        about_text = about_file.read_text(encoding="utf-8", errors="replace")

    entity_pages = [(directory, entity_path)
                    for directory, paths in ((ACTORS_DIR, links.actor_paths), (PLACES_DIR, links.place_paths))
                    for entity_path in [f"{directory}/index.html", *paths.values()]]
    fixed_pages = ["index.html", f"{PUBLISHERS_DIR}/index.html", "about.html", "404.html"]
    if settings.search:
        fixed_pages.append("search.html")
    extra = ["robots.txt", ".nojekyll", "briefings.json"]
    if has_feed:
        extra.append("feed.xml")
    if site_url:
        extra.append("sitemap.xml")
    if settings.cname:
        extra.append("CNAME")
    planned = ({links.briefing_path(i) for i in ids} | {path for _, path in entity_pages}
               | set(links.publisher_urls.values()) | {old for old, _ in redirects} | set(fixed_pages)
               | set(statics) | set(extra))

    site_dir.mkdir(parents=True, exist_ok=True)
    # Record every file about to be written first: a build stopped midway still
    # knows, next time, which files are briefgen's to remove.
    run.writer.write(MARKER_FILE, _manifest_bytes(previous | planned))

    # Briefing pages: only those whose inputs changed are built and rendered.
    tasks = []
    summaries = Summaries(by_id, articles, links, site_globals, store, page_prints, spill)
    for i in ids:
        path = links.briefing_path(i)
        state = cache.current(site_dir, path, page_prints[i])
        core = cache.briefings.get(page_prints[i])
        if state is not None:
            run.files[path] = state
            run.results.append((path, False))
        if state is None or core is None or page_prints[i] not in store:
            tasks.append((i, page_prints[i], state is None))
        else:
            summaries.core[i] = core
    work = BriefingWork(dirs=[str(d) for d in dirs], site_dir=str(site_dir), site_globals=site_globals,
                        records=by_id, articles=articles, links=links, known=cache.files,
                        compiled=cache.compiled)
    briefing_run = BriefingRun(work, tasks, _worker_count(jobs))
    try:
        env = make_environment(dirs, cache.compiled, Fragments(store))
        make_context = partial(_make_context, articles=articles, links=links)
        pages = {i: BriefingPage(by_id[i], links.slugs[i], links.briefing_path(i), fingerprint=page_prints[i],
                                 summary=summaries.part, make_context=make_context) for i in ids}
        ordered = index_order(list(pages.values()))

        def shown(listed: list[BriefingPage]) -> str:
            """The fingerprints of ``listed``, in order: fixed-length, so plain concatenation
            is unambiguous and much cheaper to encode than a JSON list."""
            return "".join([page.fingerprint for page in listed])

        # Pages that need no briefing summaries, while the briefing pages are built.
        entities = {}
        for directory, attribute, title in ((ACTORS_DIR, "actors", "Actors"), (PLACES_DIR, "places", "Places")):
            entries = entities[attribute] = entity_entries(ordered, links, attribute)
            run.template_page(env, site_globals, PageJob(f"{directory}/index.html", "entities.html",
                                                         {"entities": entries, "heading": title, "section": directory}),
                              [[e["name"], e["kinds"], e["path"], shown(e["briefings"])] for e in entries])
            for entity in entries:
                run.template_page(env, site_globals, PageJob(entity["path"], "entity.html",
                                                             {"entity": entity, "section": directory}),
                                  entity["name"], entity["kinds"], shown(entity["briefings"]))
        about = PageJob("about.html", "about.html", {})
        run.emit(about.path, run.page_fingerprint(about.path, about.template, about_text), lambda: _render_one(
            env, replace(about, context={"about": markdown_block(about_text) if about_text is not None else None}),
            site_globals))
        if settings.search:
            run.template_page(env, site_globals, PageJob("search.html", "search.html", {}))
        for old_path, new_path in redirects:
            target = relative(old_path, new_path)
            run.template_page(env, site_globals, PageJob(old_path, "redirect.html", {"target": target}), target)
        run.template_page(env, site_globals, PageJob("404.html", "404.html", {}))

        for result in briefing_run.results():
            summaries.add(result.id, result.summary, result.entries)
            if result.page is not None:
                path = links.briefing_path(result.id)
                run.files[path] = result.page
                run.results.append((path, result.written))
    finally:
        briefing_run.close()

    # Warnings in the order a whole-site build meets them.
    for i in ids:
        diagnostics.warnings.extend(summaries.core[i].warnings)
    for page in ordered:
        diagnostics.warnings.extend(summaries.core[page.record.id].source_warnings)
    diagnostics.warnings.extend(redirect_warnings.warnings)
    model = SiteModel(briefings=ordered, actors=entities["actors"], places=entities["places"],
                      publishers=publisher_entries(ordered, links), redirects=redirects)

    # Pages that show every briefing's summary: fingerprinted by what they show.
    run.template_page(env, site_globals, PageJob("index.html", "index.html", {"briefings": model.briefings}),
                      shown(model.briefings))
    run.template_page(env, site_globals, PageJob(f"{PUBLISHERS_DIR}/index.html", "publishers.html",
                                                 {"publishers": model.publishers}),
                      [[p["name"], p["path"], len(p["items"])] for p in model.publishers])
    for publisher in model.publishers:
        run.template_page(env, site_globals, PageJob(publisher["path"], "publisher.html", {"publisher": publisher}),
                          publisher["name"],
                          "".join([f"{item.briefing.fingerprint}{item.ref}," for item in publisher["items"]]))

    # Everything but the pages: feed, sitemap, robots.txt, export, GitHub Pages files.
    if site_url:
        feed = _feed_entries(model)
        if feed:
            shown_entries = [[entry["id"], page_prints[entry["id"]]] for entry in feed]
            run.emit("feed.xml", run.page_fingerprint("feed.xml", shown_entries), lambda: feeds.atom_feed(
                site_url=site_url, title=settings.title, description=settings.description,
                language=settings.language, entries=_with_xml(feed, summaries)))
        undated = len(model.briefings) - len(feed)
        if undated:
            report.notices.append(f"feed: {undated} briefing(s) carry no date and are left out of feed.xml "
                                  "(Atom needs one; briefgen never invents dates)")
        updated_by_path = {page.path: page.updated for page in model.briefings}
        listed = sorted(planned - set(statics) - set(extra) - {old for old, _ in redirects} - {"404.html"})
        sitemap_pages = [(path, updated_by_path.get(path)) for path in listed]
        run.emit("sitemap.xml", run.page_fingerprint("sitemap.xml", sitemap_pages),
                 lambda: feeds.sitemap(site_url, sitemap_pages))
    else:
        report.notices.append("site_url is not set: feed.xml, sitemap.xml and canonical links are skipped")
    run.emit("robots.txt", run.page_fingerprint("robots.txt", site_url), lambda: feeds.robots_txt(site_url))
    run.emit(".nojekyll", run.page_fingerprint(".nojekyll"), lambda: b"")
    if settings.cname:
        cname = settings.cname.strip().encode("utf-8") + b"\n"
        run.emit("CNAME", run.page_fingerprint("CNAME", settings.cname), lambda: cname)
    run.emit_pieces("briefings.json", run.page_fingerprint("briefings.json", "".join([page_prints[i] for i in ids])),
                    lambda: feeds.export_pieces(summaries.export(i) for i in ids))
    for rel, source in statics.items():
        data = source.read_bytes()
        run.emit(rel, run.page_fingerprint(rel, content_digest(data)), lambda data=data: data)

    for rel, changed in sorted(run.results):
        if changed:
            report.written_files.append(rel)
        else:
            report.unchanged += 1
    report.written = len(report.written_files)

    report.removed_files = remove_stale(site_dir, previous - planned)
    remove_leftover_temps(site_dir)
    report.removed = len(report.removed_files)
    run.writer.write(MARKER_FILE, _manifest_bytes(planned))

    cache.files = run.files
    cache.briefings.update((page_prints[i], summaries.core[i]) for i in ids)
    cache.keep_only(set(page_prints.values()), facts)
    bundle = site_dir / search.BUNDLE_DIR
    if settings.search:
        # Pagefind reads only the HTML pages: when none changed since it last
        # succeeded and its bundle is still there, indexing again gives the same bundle.
        html_state = fingerprint(sorted((rel, state.digest) for rel, state in run.files.items()
                                        if rel.endswith(".html")))
        bundle_ok = (bundle / "pagefind.js").is_file() and not bundle.is_symlink()
        if html_state != cache.search_state or not bundle_ok:
            cache.search_state = None
            notice = search.build_search_index(site_dir)
            if notice:
                report.notices.append(notice)
            else:
                cache.search_state = html_state
    else:
        cache.search_state = None
        if bundle.is_dir() and not bundle.is_symlink():
            shutil.rmtree(bundle)
    cache.save(cache_path, spill)
    (project.cache_dir / OLD_CACHE_FILE).unlink(missing_ok=True)
    return report


def _whole(record: Briefing) -> Briefing:
    """``record``, or a whole copy of it when it came packed (see ``LazyBriefing.unpacked``)."""
    unpacked = getattr(type(record), "unpacked", None)
    return unpacked(record) if unpacked is not None else record


def _make_context(record: Briefing, articles: dict[str, Article], links: SiteLinks) -> dict:
    """A briefing's full page data, built on demand (a theme's index may ask for it);
    its warnings were already reported with the briefing's summary."""
    return briefing_page_data(record, articles, links, Diagnostics())[0]


def _worker_count(jobs: int) -> int:
    if jobs <= 0:
        return os.cpu_count() or 1
    return jobs
