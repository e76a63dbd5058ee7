"""Render the briefing website into site/: Jinja2 themes, relative links, atomic writes.

Every internal link is relative, so the same files work at a domain root and under
a GitHub Pages project path. A file is written only when its bytes change (temp
file + ``os.replace``), and a manifest in ``site/.briefgen-site`` records what
briefgen wrote, so pages that no longer exist are removed and nothing else is.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from . import feeds, search
from .config import Project, Settings
from .diagnostics import BriefgenError, Diagnostics, Problem
from .markup import clean_text, markdown_block
from .models import Article, Briefing
from .views import ACTORS_DIR, PLACES_DIR, PUBLISHERS_DIR, SiteModel, build_site_model

#: Written into every site briefgen builds; without it, briefgen refuses to clean a folder.
MARKER_FILE = ".briefgen-site"
STATIC_DIR = "static"
#: Below this many pages a process pool costs more than it saves.
MIN_PAGES_PER_WORKER = 200


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
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean_text(value)
    return value


def make_environment(dirs: list[Path]) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(cite=cite_link, cites=cite_links, status=status_mark)
    return env


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


# -- writing -------------------------------------------------------------------------
class SiteWriter:
    """Writes files under one folder: only when changed, atomically, never outside it."""

    def __init__(self, root: Path):
        self.root = root
        self.real_root = root.resolve()
        self.checked_dirs: set[Path] = set()

    def target(self, rel: str) -> Path:
        path = self.root / rel
        parent = path.parent
        if parent not in self.checked_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            real = parent.resolve()
            if real != self.real_root and self.real_root not in real.parents:
                raise BriefgenError(f"{parent} leads outside {self.root}; refusing to write there")
            self.checked_dirs.add(parent)
        if path.is_symlink():
            path.unlink()
        return path

    def write(self, rel: str, data: bytes) -> bool:
        """Write ``data`` to ``rel``; returns False when the file already held those bytes."""
        path = self.target(rel)
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                return False
        except OSError:
            pass
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temp, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return True


def check_site_dir(site_dir: Path) -> None:
    """Raise BriefgenError unless ``site_dir`` is absent, empty or written by briefgen."""
    read_manifest(site_dir)


def site_is_complete(project: Project, site_dir: Path | None = None) -> bool:
    """True when the last render finished: its manifest lists only files that exist."""
    site_dir = Path(site_dir) if site_dir is not None else project.site_dir
    try:
        files = read_manifest(site_dir)
    except BriefgenError:
        return False
    return bool(files) and all((site_dir / rel).is_file() for rel in files)


def read_manifest(site_dir: Path) -> set[str]:
    """Paths briefgen wrote last time. Refuses a non-empty folder briefgen did not write."""
    if site_dir.is_symlink():
        raise BriefgenError(f"{site_dir} is a symbolic link; refusing to write the site through it")
    if not site_dir.exists():
        return set()
    if not site_dir.is_dir():
        raise BriefgenError(f"{site_dir} exists and is not a folder; refusing to replace it")
    marker = site_dir / MARKER_FILE
    if not marker.is_file():
        if any(site_dir.iterdir()):
            raise BriefgenError(
                f"{site_dir} is not empty and was not written by briefgen (no {MARKER_FILE}); "
                "refusing to write into it: move it away or empty it")
        return set()
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        files = data.get("files", []) if isinstance(data, dict) else []
    except (OSError, ValueError):
        files = []
    return {f for f in files if isinstance(f, str) and _is_plain_relative(f)}


def _is_plain_relative(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and all(p not in ("", ".", "..") for p in parts)


def _manifest_bytes(files: set[str]) -> bytes:
    return (json.dumps({"generator": "briefgen", "files": sorted(files)}, indent=0) + "\n").encode("utf-8")


_LEFTOVER_TEMP = re.compile(r"^\..+\.\d+\.tmp$")


def remove_leftover_temps(site_dir: Path) -> None:
    """Temp files of a build that was killed mid-write (``SiteWriter.write`` names them)."""
    for folder, dirs, files in os.walk(site_dir):
        dirs[:] = [d for d in dirs if d != search.BUNDLE_DIR and not os.path.islink(os.path.join(folder, d))]
        for name in files:
            if _LEFTOVER_TEMP.match(name):
                os.unlink(os.path.join(folder, name))


def remove_stale(site_dir: Path, stale: set[str]) -> list[str]:
    """Delete files briefgen wrote before and no longer produces, then empty folders."""
    removed = []
    real_root = site_dir.resolve()
    for rel in sorted(stale):
        path = site_dir / rel
        if not (path.is_file() or path.is_symlink()):
            continue
        if real_root not in path.parent.resolve().parents and path.parent.resolve() != real_root:
            continue
        path.unlink()
        removed.append(rel)
        parent = path.parent
        while parent != site_dir and parent.is_dir() and not parent.is_symlink() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


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


def _page_jobs(model: SiteModel, project: Project, settings: Settings) -> list[PageJob]:
    jobs = [PageJob("index.html", "index.html", {"briefings": model.briefings})]
    for page in model.briefings:
        jobs.append(PageJob(page.path, "briefing.html", {"briefing": page, **page.context}))
    for directory, entries, title in ((ACTORS_DIR, model.actors, "Actors"), (PLACES_DIR, model.places, "Places")):
        jobs.append(PageJob(f"{directory}/index.html", "entities.html",
                            {"entities": entries, "heading": title, "section": directory}))
        for entity in entries:
            jobs.append(PageJob(entity["path"], "entity.html", {"entity": entity, "section": directory}))
    jobs.append(PageJob(f"{PUBLISHERS_DIR}/index.html", "publishers.html", {"publishers": model.publishers}))
    for publisher in model.publishers:
        jobs.append(PageJob(publisher["path"], "publisher.html", {"publisher": publisher}))
    about_file = project.content_dir / "about.md"
    about = None
    if about_file.is_file() and not about_file.is_symlink():
        about = markdown_block(about_file.read_text(encoding="utf-8", errors="replace"))
    jobs.append(PageJob("about.html", "about.html", {"about": about}))
    if settings.search:
        jobs.append(PageJob("search.html", "search.html", {}))
    for old_path, new_path in model.redirects:
        jobs.append(PageJob(old_path, "redirect.html", {"target": relative(old_path, new_path)}))
    jobs.append(PageJob("404.html", "404.html", {}))
    return jobs


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


# Process-pool workers: each builds its own Jinja2 environment once.
_WORKER: dict = {}


def _worker_init(dirs: list[str], site_dir: str, site_globals: dict) -> None:
    _WORKER["env"] = make_environment([Path(d) for d in dirs])
    _WORKER["writer"] = SiteWriter(Path(site_dir))
    _WORKER["globals"] = site_globals


def _worker_render(jobs: list[PageJob]) -> list[tuple[str, bool]]:
    env, writer, site_globals = _WORKER["env"], _WORKER["writer"], _WORKER["globals"]
    return [(job.path, writer.write(job.path, _render_one(env, job, site_globals))) for job in jobs]


def _render_pages(jobs: list[PageJob], dirs: list[Path], writer: SiteWriter, site_globals: dict,
                  workers: int) -> list[tuple[str, bool]]:
    if workers <= 1 or len(jobs) < 2 * MIN_PAGES_PER_WORKER:
        env = make_environment(dirs)
        return [(job.path, writer.write(job.path, _render_one(env, job, site_globals))) for job in jobs]
    workers = min(workers, len(jobs) // MIN_PAGES_PER_WORKER)
    chunks = [jobs[i::workers] for i in range(workers)]
    results: list[tuple[str, bool]] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                             initargs=([str(d) for d in dirs], str(writer.root), site_globals)) as pool:
        for chunk_result in pool.map(_worker_render, chunks):
            results.extend(chunk_result)
    return sorted(results)


def _machine_files(model: SiteModel, settings: Settings, page_jobs: list[PageJob],
                   report: RenderReport) -> dict[str, bytes]:
    """Everything but the pages: feed, sitemap, robots.txt, export, GitHub Pages files."""
    site_url = settings.site_url
    files: dict[str, bytes] = {}
    if site_url:
        dated = [page for page in model.briefings if page.updated is not None]
        entries = [{"id": page.record.id, "title": page.record.title, "path": page.path, "updated": page.updated,
                    "summary": " ".join(" ".join(p.text.split()) for p in page.record.summary)}
                   for page in sorted(dated, key=lambda p: (-p.updated.toordinal(), p.record.id))]
        feed = feeds.atom_feed(site_url=site_url, title=settings.title, description=settings.description,
                               language=settings.language, entries=entries)
        if feed:
            files["feed.xml"] = feed
        undated = len(model.briefings) - len(dated)
        if undated:
            report.notices.append(f"feed: {undated} briefing(s) carry no date and are left out of feed.xml "
                                  "(Atom needs one; briefgen never invents dates)")
        updated_by_path = {page.path: page.updated for page in model.briefings}
        listed = sorted(job.path for job in page_jobs if job.template not in ("redirect.html", "404.html"))
        files["sitemap.xml"] = feeds.sitemap(site_url, [(path, updated_by_path.get(path)) for path in listed])
    else:
        report.notices.append("site_url is not set: feed.xml, sitemap.xml and canonical links are skipped")
    files["robots.txt"] = feeds.robots_txt(site_url)
    files[".nojekyll"] = b""
    if settings.cname:
        files["CNAME"] = settings.cname.strip().encode("utf-8") + b"\n"
    files["briefings.json"] = feeds.export_json([(page.record, page.path) for page in model.briefings])
    return files


# -- the whole site --------------------------------------------------------------------
def render_site(
    project: Project,
    settings: Settings,
    briefings: list[Briefing],
    articles: dict[str, Article],
    diagnostics: Diagnostics,
    *,
    jobs: int = 1,
    site_dir: Path | None = None,
) -> RenderReport:
    """Write the site for ``briefings`` into ``site_dir`` (default: the project's site/).

    Raises BriefgenError when the folder holds files briefgen did not write, when
    the theme is missing or a template fails.
    """
    site_dir = Path(site_dir) if site_dir is not None else project.site_dir
    report = RenderReport()
    previous = read_manifest(site_dir)
    dirs = theme_dirs(project, settings)
    model = build_site_model(briefings, articles, diagnostics)

    page_jobs = _page_jobs(model, project, settings)
    extra = _machine_files(model, settings, page_jobs, report)
    site_globals = _site_globals(settings, has_feed="feed.xml" in extra)
    statics = static_files(dirs)
    planned = {job.path for job in page_jobs} | set(statics) | set(extra)

    writer = SiteWriter(site_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    # Record every file about to be written first: a build stopped midway still
    # knows, next time, which files are briefgen's to remove.
    writer.write(MARKER_FILE, _manifest_bytes(previous | planned))

    results = _render_pages(page_jobs, dirs, writer, site_globals, _worker_count(jobs))
    for rel, source in statics.items():
        results.append((rel, writer.write(rel, source.read_bytes())))
    for rel, data in sorted(extra.items()):
        results.append((rel, writer.write(rel, data)))
    for rel, changed in sorted(results):
        if changed:
            report.written_files.append(rel)
        else:
            report.unchanged += 1
    report.written = len(report.written_files)

    report.removed_files = remove_stale(site_dir, previous - planned)
    remove_leftover_temps(site_dir)
    report.removed = len(report.removed_files)
    writer.write(MARKER_FILE, _manifest_bytes(planned))

    bundle = site_dir / search.BUNDLE_DIR
    if settings.search:
        notice = search.build_search_index(site_dir)
        if notice:
            report.notices.append(notice)
    elif bundle.is_dir() and not bundle.is_symlink():
        shutil.rmtree(bundle)
    return report


def _worker_count(jobs: int) -> int:
    if jobs <= 0:
        return os.cpu_count() or 1
    return jobs
