"""render: the site's files, links, escaping, feed, export and incremental writes."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from briefgen import render, sitefiles
from briefgen.config import Project, Settings
from briefgen.diagnostics import BriefgenError, Diagnostics
from briefgen.markup import safe_link, safe_url
from briefgen.models import (
    Article,
    Briefing,
    Claim,
    Dispute,
    Entity,
    Event,
    Figure,
    Passage,
    Source,
)

A = "000_c581fe545c0f88e6"
B = "001_223150dcc2cc57dd"
SITE_URL = "https://user.github.io/repo/"
ATOM = "{http://www.w3.org/2005/Atom}"

Q58 = ("Twenty-seven separatist fighters died in clashes with Azerbaijani troops on Monday, officials in "
       "Azerbaijan’s breakaway Nagorno-Karabakh region said, bringing their military death toll to 58.")
Q84 = ("YEREVAN: Twenty-six separatist fighters were killed in clashes with Azerbaijani troops late Monday in "
       "Azerbaijanthe Nagorny break Karabakh region, the rebels‘the Defense Ministry said, bringing the number "
       "of military deaths to 84.")
Q67 = "The total death toll rose to 67 including nine civilian deaths: seven in Azerbaijan and two on the Armenian side."
Q95 = "The total death toll rose to 95, including 11 civilian deaths: nine in Azerbaijan and two on the Armenian side."


def seed_briefing(**changes) -> Briefing:
    """The two seed articles as the briefing stage would hand them over."""
    figures = [
        Figure("killed", 58, A, Q58, group="military", cumulative=True, reported_by="officials in Nagorno-Karabakh",
               reporter_type="party", id="f1", key="k1"),
        Figure("killed", 27, A, Q58, group="military", period="Monday", reported_by="Karabakh's defense ministry",
               id="f2", key="k2"),
        Figure("killed", 67, A, Q67, group="total", cumulative=True, id="f3", key="k3", checked=True),
        Figure("killed", 9, A, Q67, group="civilians", cumulative=True, id="f4", key="k4"),
        Figure("killed", 84, B, Q84, group="military", cumulative=True, reported_by="Karabakh's defense ministry",
               reporter_type="party", id="f5", key="k5"),
        Figure("killed", 26, B, Q84, group="military", period="late Monday",
               reported_by="Karabakh's defense ministry", id="f6", key="k6"),
        Figure("killed", 95, B, Q95, group="total", cumulative=True, id="f7", key="k7"),
        Figure("killed", 11, B, Q95, group="civilians", cumulative=True, id="f8", key="k8"),
    ]
    record = Briefing(
        id="b1",
        slug="nagorno-karabakh-clashes",
        title="Military death toll in Nagorno-Karabakh clashes rises to 84",
        articles=[A, B],
        summary=[Passage("Fighting between separatists and Azerbaijani troops continued on **Monday**.", [A, B], id="s1")],
        figures=figures,
        disputes=[Dispute("revision", ["f1", "f5"]), Dispute("revision", ["f3", "f7"]),
                  Dispute("revision", ["f4", "f8"])],
        claims=[Claim("Karabakh's defense ministry", "its forces repelled Azerbaijan's tank offensive", A,
                      "Karabakh’s defense ministry claimed its forces repelled Azerbaijan’s tank offensive on "
                      "the frontline’s southern sector.", id="c1")],
        actors=[Entity("Armenia", "country", [A, B]), Entity("Azerbaijan", "country", [A, B]),
                Entity("Minsk Group", "organization", [B])],
        places=[Entity("Nagorno-Karabakh", "place", [A, B]), Entity("Yerevan", "place", [B])],
        events=[Event("Twenty-six separatist fighters killed", B, Q84, when="late Monday", id="e1")],
        background=[Passage("Armenia and Azerbaijan have been locked in a territorial dispute since the 1990s.",
                            [A, B], id="g1")],
        sources=[Source(A, 1, "Military death toll in Nagorno-Karabakh clashes rises to 58"),
                 Source(B, 2, "26 more Armenian rebels killed in fighting in Karabakh")],
    )
    return replace(record, **changes)


def dated_briefing(n: int, day: str) -> Briefing:
    return Briefing(
        id=f"d{n}", slug=f"dated-{n}", title=f"Dated briefing {n}", articles=[f"art{n}"],
        figures=[Figure("injured", 10 + n, f"art{n}", f"{10 + n} people were injured.", group="civilians",
                        cumulative=True, id="f1")],
        summary=[Passage(f"Summary of briefing {n}.", [f"art{n}"])],
        sources=[Source(f"art{n}", 1, f"Report {n}", publisher="Example Wire", url=f"https://example.org/{n}",
                        published=day)],
        updated=day,
    )


def build(tmp_path: Path, briefings: list[Briefing], articles: dict | None = None, name: str = "proj", **settings):
    settings.setdefault("search", False)
    root = tmp_path / name
    root.mkdir(exist_ok=True)
    diagnostics = Diagnostics()
    report = render.render_site(Project(root), Settings(**settings), briefings, articles or {}, diagnostics)
    return root / "site", report, diagnostics


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and not p.relative_to(site).as_posix().startswith("pagefind/")}


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and every id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])


def parse(html: bytes) -> Tags:
    parser = Tags()
    parser.feed(html.decode("utf-8"))
    return parser


def html_pages(site: Path) -> dict[str, Tags]:
    return {rel: parse(data) for rel, data in site_files(site).items() if rel.endswith(".html")}


def internal_links(tags: Tags) -> list[str]:
    links = []
    for tag, attrs in tags.tags:
        for name in ("href", "src"):
            value = attrs.get(name)
            if value is not None and not urlsplit(value).scheme:
                links.append(value)
    return links


# -- links ---------------------------------------------------------------------------------
def test_every_internal_link_is_relative_and_resolves(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing(old_slugs=["old-name"]), dated_briefing(1, "2020-09-28")],
                       site_url=SITE_URL, search=True)
    pages = html_pages(site)
    assert "briefings/nagorno-karabakh-clashes.html" in pages
    checked = 0
    for rel, tags in pages.items():
        if rel == "404.html":
            continue  # anchored by <base>, checked below
        for link in internal_links(tags):
            assert not link.startswith("/"), f"{rel}: root-absolute link {link}"
            path, _, fragment = link.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)) if path else rel
            assert not target.startswith(".."), f"{rel}: {link} leaves the site"
            assert (site / target).is_file(), f"{rel}: broken link {link}"
            if fragment and target.endswith(".html"):
                assert fragment in pages[target].ids, f"{rel}: missing anchor {link}"
            checked += 1
    assert checked > 100


def test_links_from_a_briefing_page_climb_one_level(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing()], search=True)
    links = internal_links(parse((site / "briefings/nagorno-karabakh-clashes.html").read_bytes()))
    assert "../index.html" in links
    assert "../static/style.css" in links
    assert "../search.html" in links
    assert "../places/nagorno-karabakh.html" in links
    index_links = internal_links(parse((site / "index.html").read_bytes()))
    assert "briefings/nagorno-karabakh-clashes.html" in index_links


def test_404_page_links_absolutely_when_the_site_url_is_known(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing()], site_url=SITE_URL)
    tags = parse((site / "404.html").read_bytes())
    hrefs = [attrs["href"] for tag, attrs in tags.tags if "href" in attrs]
    assert SITE_URL + "static/style.css" in hrefs and SITE_URL + "index.html" in hrefs
    assert "#main" in hrefs  # the skip link stays on the page
    assert internal_links(tags) == ["#main"]
    site, _, _ = build(tmp_path, [seed_briefing()], name="nourl")
    assert "static/style.css" in internal_links(parse((site / "404.html").read_bytes()))


# -- page content ----------------------------------------------------------------------------
def test_briefing_page_shows_every_figure_history_citation_and_unknowns(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing()])
    html = (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    for value in ("58", "27", "67", "9", "84", "26", "95", "11"):
        assert re.search(rf"<strong>{value}</strong>", html), value
    assert '<span class="history-text"><strong>58</strong> → 84</span>' in html  # this row's value stands out
    assert '<span class="history-text">58 → <strong>84</strong></span>' in html
    assert '<span class="history-text">67 → <strong>95</strong></span>' in html
    assert html.count("<svg") == 3  # one chart per history
    assert 'href="#src-1">[1]</a>' in html and 'href="#src-2">[2]</a>' in html
    assert Q58.replace("’", "’") in html  # the quoted sentence in the source list
    assert html.count('<span class="unknown">unknown</span>') >= 6  # publisher, date, URL of both seeds
    assert "✓ checked" in html and "unchecked, machine-extracted" in html
    assert "<strong>Monday</strong>" in html  # summary Markdown rendered


def test_conflicts_are_flagged_on_both_figures(tmp_path):
    record = seed_briefing()
    record.figures.append(Figure("killed", 70, "editor", "Seventy soldiers were killed.", group="military",
                                 cumulative=True, reported_by="Azerbaijani officials", id="f9", origin="editor"))
    record.sources.append(Source("editor", 3, "Ministry statement", publisher="Example News",
                                 url="https://example.org/statement", published="2016-04-04"))
    record.disputes.append(Dispute("conflict", ["f5", "f9"], note="Different reporters, different tolls."))
    site, _, _ = build(tmp_path, [record])
    html = (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="fig-(f\d)" class="([^"]*)"', html)
    assert {fid for fid, cls in rows if "has-conflict" in cls} == {"f5", "f9"}
    assert "Different reporters, different tolls." in html
    assert "unchecked, added by an editor" in html
    assert 'href="https://example.org/statement"' in html
    assert 'href="../publishers/example-news.html"' in html


def test_index_lists_latest_first_with_key_figures(tmp_path):
    site, _, _ = build(tmp_path, [dated_briefing(1, "2020-09-27"), dated_briefing(2, "2020-09-29"), seed_briefing()])
    html = (site / "index.html").read_text(encoding="utf-8")
    order = [html.index(f'href="briefings/{slug}.html"') for slug in ("dated-2", "dated-1", "nagorno-karabakh-clashes")]
    assert order == sorted(order)
    assert "58 → 84" in html  # key figure with its history


def test_entity_and_publisher_pages(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing(), dated_briefing(1, "2020-09-28")])
    place = (site / "places/nagorno-karabakh.html").read_text(encoding="utf-8")
    assert 'href="../briefings/nagorno-karabakh-clashes.html"' in place
    assert (site / "actors/minsk-group.html").is_file()
    assert "Minsk Group" in (site / "actors/index.html").read_text(encoding="utf-8")
    publisher = (site / "publishers/example-wire.html").read_text(encoding="utf-8")
    assert 'href="../briefings/dated-1.html#src-1"' in publisher
    assert "Publisher unknown" in (site / "publishers/unknown.html").read_text(encoding="utf-8")


def test_article_full_text_is_never_published(tmp_path):
    secret = "This paragraph exists only in the article body and must stay private."
    article = Article(id=A, path=f"content/articles/{A}.txt", title="Seed A", text=f"{Q58}\n\n{secret}")
    record = seed_briefing(sources=[])  # sources come from the articles themselves
    site, _, _ = build(tmp_path, [record], {A: article})
    assert all(secret.encode() not in data for data in site_files(site).values())
    html = (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    assert "Seed A" in html  # the synthesized source entry uses the article's title


# -- hostile content -------------------------------------------------------------------------
EVIL = '<script>alert(1)</script><iframe src="x"></iframe><style>*{}</style><img src=x onerror=alert(1)>"\'&'
EVIL_URLS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
             "vbscript:x", "//evil.example/x", "/root-absolute", "java\tscript:alert(1)", "http://"]


def hostile_briefing(url: str) -> Briefing:
    text = EVIL + f" [click](javascript:alert(1)) [data](data:text/html,x) [ok](https://example.org/ok) ![i]({url})"
    return Briefing(
        id="evil" + EVIL, slug="../../etc/passwd", title=EVIL, articles=[EVIL],
        summary=[Passage(text, [EVIL], id=EVIL)],
        figures=[Figure("killed", 3, EVIL, EVIL, group=EVIL, reported_by=EVIL, period=EVIL, qualifier=EVIL,
                        note=EVIL, date=EVIL, id=EVIL),
                 Figure("killed", 4, EVIL, EVIL, group=EVIL, cumulative=True, id="f2")],
        disputes=[Dispute(EVIL, [EVIL, "f2"], note=EVIL)],
        claims=[Claim(EVIL, EVIL, EVIL, EVIL, id=EVIL)],
        actors=[Entity(EVIL, EVIL, [EVIL]), Entity("../../x", "country")],
        places=[Entity(EVIL, "place", [EVIL])],
        events=[Event(EVIL, EVIL, EVIL, date=EVIL, when=EVIL, id=EVIL)],
        background=[Passage(text + "\n\n<div onclick=alert(1)>raw</div>", [EVIL])],
        sources=[Source(EVIL, 1, EVIL, publisher=EVIL, url=url, published=EVIL, author=EVIL, copy_of=EVIL)],
        notes=text, old_slugs=["../../escape", EVIL], updated=EVIL,
    )


OUR_SCRIPTS = {"static/search.js"}


@pytest.mark.parametrize("url", EVIL_URLS)
def test_hostile_strings_never_become_markup_or_links(tmp_path, url):
    site, _, diagnostics = build(tmp_path, [hostile_briefing(url)], site_url=SITE_URL, search=True)
    # nothing written beside site/ but the render cache
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == [".briefgen", "site"]
    assert [p.name for p in (tmp_path / "proj" / ".briefgen").iterdir()] == [render.CACHE_FILE]
    pages = html_pages(site)
    assert len(pages) > 5
    for rel, tags in pages.items():
        for tag, attrs in tags.tags:
            assert tag not in ("iframe", "style", "object", "embed", "img", "frame", "form") or (
                tag == "form" and rel == "search.html"), f"{rel}: <{tag}>"
            if tag == "script":
                assert rel == "search.html" and attrs.get("src") == "static/search.js"
            for name, value in attrs.items():
                assert not name.startswith("on"), f"{rel}: event handler {name}"
                if name in ("href", "src", "action", "content") and ":" in value.split("/")[0].split("?")[0]:
                    scheme = value.split(":")[0].strip().lower()
                    assert scheme in ("http", "https", "0; url=nagorno") or value.startswith("width="), \
                        f"{rel}: {name}={value!r}"
                if name in ("href", "src"):
                    assert not value.strip().startswith(("/", "\\")) or rel == "404.html", f"{rel}: {value}"
    raw = b"".join(site_files(site).values())
    assert b"<script>alert" not in raw and b"<iframe" not in raw and b"<img" not in raw
    assert b'href="javascript' not in raw.lower() and b'href="data:' not in raw.lower()
    assert any("slug" in p.message for p in diagnostics.warnings)
    assert not (site.parent / "etc").exists()
    assert list((site / "briefings").glob("*.html"))  # the page exists under a safe name


def test_markdown_raw_html_stays_text(tmp_path):
    record = seed_briefing(background=[Passage("<b>bold</b> <script>x()</script> *em*", [A])],
                           notes="<iframe src=https://evil.example></iframe> [ok](../about.html)")
    site, _, _ = build(tmp_path, [record])
    html = (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<em>em</em>" in html
    assert "&lt;iframe" in html and "<iframe" not in html
    assert '<a href="../about.html">ok</a>' in html


def test_pathological_markdown_renders_quickly(tmp_path):
    import time

    record = seed_briefing(background=[Passage("[" * 100_000, [A])], notes="[" * 100_000)
    start = time.monotonic()
    build(tmp_path, [record])
    assert time.monotonic() - start < 10


def test_url_filters():
    assert safe_url("https://example.org/a?b#c") == "https://example.org/a?b#c"
    for bad in EVIL_URLS + [None, "", "ftp://x.org", "https://exa mple.org", "https:\\\\evil"]:
        assert safe_url(bad) is None, bad
    assert safe_link("../about.html") and safe_link("#src-1") and safe_link("https://example.org")
    for bad in ("javascript:alert(1)", "JAVASCRIPT:x", "data:x", "//evil.example", "/abs", "\\\\evil", "mailto:x@y"):
        assert not safe_link(bad), bad


# -- determinism and incremental writes ----------------------------------------------------
def test_same_input_gives_byte_identical_site(tmp_path):
    briefings = [seed_briefing(old_slugs=["old-one"]), dated_briefing(1, "2020-09-28"), dated_briefing(2, "2020-09-29")]
    first, _, _ = build(tmp_path, briefings, name="one", site_url=SITE_URL, cname="briefs.example.org")
    second, _, _ = build(tmp_path, list(reversed(briefings)), name="two", site_url=SITE_URL, cname="briefs.example.org")
    assert site_files(first) == site_files(second)


def test_process_pool_renders_the_same_bytes(tmp_path):
    briefings = [dated_briefing(n, f"2020-01-{1 + n % 28:02d}") for n in range(420)]
    one, _, _ = build(tmp_path, briefings, name="one")
    root = tmp_path / "two"
    root.mkdir()
    render.render_site(Project(root), Settings(search=False), briefings, {}, Diagnostics(), jobs=2)
    assert site_files(one) == site_files(root / "site")


def test_only_changed_files_are_written_and_stale_pages_removed(tmp_path):
    briefings = [seed_briefing(), dated_briefing(1, "2020-09-28")]
    site, first, _ = build(tmp_path, briefings)
    assert "briefings/dated-1.html" in first.written_files and first.unchanged == 0
    assert first.written == len(first.written_files) > 10
    assert sitefiles.site_is_complete(Project(tmp_path / "proj"))
    mtimes = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    (site / "notes-by-hand.txt").write_text("mine")  # not briefgen's: must survive

    _, again, _ = build(tmp_path, briefings)
    assert again.written == 0 and again.removed == 0 and again.unchanged == first.written
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*.html")} == mtimes

    changed = [seed_briefing(title="A new title"), dated_briefing(1, "2020-09-28")]
    _, third, _ = build(tmp_path, changed)
    assert "briefings/nagorno-karabakh-clashes.html" in third.written_files
    assert "briefings/dated-1.html" not in third.written_files

    _, fourth, _ = build(tmp_path, [seed_briefing(title="A new title")])
    assert "briefings/dated-1.html" in fourth.removed_files
    assert not (site / "briefings/dated-1.html").exists()
    assert (site / "notes-by-hand.txt").read_text() == "mine"
    (site / "briefings" / ".index.html.4242.tmp").write_text("a write cut short")
    build(tmp_path, [seed_briefing(title="A new title")])
    assert not list(site.rglob("*.tmp"))


# -- incremental rendering -------------------------------------------------------------------
def varied_briefings(count: int) -> list[Briefing]:
    """Briefings that share places, actors and publishers, as a real desk's do."""
    result = [seed_briefing(old_slugs=["old-name"])]
    for n in range(count):
        record = dated_briefing(n, f"2020-0{1 + n % 9}-{1 + n % 27:02d}")
        record.places = [Entity(f"Town {n % 5}", "place"), Entity("Capital", "place")]
        record.actors = [Entity(f"Army {n % 3}", "group")]
        record.sources[0].publisher = f"Wire {n % 4}"
        record.claims = [Claim("A spokesman", f"statement {n}", f"art{n}", f"The spokesman said {n}.", id="c1"),
                         Claim("Nobody", "a claim citing nothing known", "missing-source", "Quote.", id="c2")]
        result.append(record)
    return result


def edited(briefings: list[Briefing]) -> list[Briefing]:
    """The same briefings after an editor changed one: title, a figure, a new place and publisher."""
    changed = [replace(b) for b in briefings]
    target = changed[3]
    target.title = "An edited title"
    target.figures = [replace(target.figures[0], value=999)]
    target.places = target.places + [Entity("A new village", "place")]
    target.sources = [replace(target.sources[0], publisher="A new publisher")]
    return changed


def render_into(root: Path, briefings: list[Briefing], jobs: int = 1, **settings) -> tuple:
    settings.setdefault("search", False)
    settings.setdefault("site_url", SITE_URL)
    root.mkdir(parents=True, exist_ok=True)
    diagnostics = Diagnostics()
    report = render.render_site(Project(root), Settings(**settings), briefings, {}, diagnostics, jobs=jobs)
    return report, diagnostics


def count_renders(monkeypatch) -> list[str]:
    rendered: list[str] = []
    original = render._render_one

    def counting(env, job, site_globals):
        rendered.append(job.path)
        return original(env, job, site_globals)

    monkeypatch.setattr(render, "_render_one", counting)
    return rendered


def test_incremental_render_equals_a_cold_render(tmp_path, monkeypatch):
    briefings = varied_briefings(30)
    render_into(tmp_path / "warm", briefings)
    rendered = count_renders(monkeypatch)
    again, _ = render_into(tmp_path / "warm", briefings)
    assert rendered == [] and again.written == 0  # nothing changed: nothing rendered, nothing written

    changed = edited(briefings)
    warm, warm_diagnostics = render_into(tmp_path / "warm", changed)
    rendered = list(rendered)
    cold, cold_diagnostics = render_into(tmp_path / "cold", changed)
    assert site_files(tmp_path / "warm" / "site") == site_files(tmp_path / "cold" / "site")
    assert warm_diagnostics.warnings == cold_diagnostics.warnings  # warnings of skipped briefings are kept
    assert any("missing-source" in w.message for w in warm_diagnostics.warnings)
    assert "briefings/dated-2.html" in warm.written_files
    assert "briefings/dated-3.html" not in rendered, " ".join(rendered)
    assert "briefings/dated-3.html" not in warm.written_files
    assert "places/a-new-village.html" in warm.written_files
    # only the changed briefing, its index/entity/publisher pages and the site-wide files
    assert len(rendered) < 15 < len(cold.written_files)


def test_process_pool_incremental_render_equals_a_cold_render(tmp_path):
    briefings = varied_briefings(420)
    render_into(tmp_path / "warm", briefings, jobs=2)
    changed = edited(briefings)
    warm, _ = render_into(tmp_path / "warm", changed, jobs=2)
    render_into(tmp_path / "cold", changed, jobs=1)
    assert site_files(tmp_path / "warm" / "site") == site_files(tmp_path / "cold" / "site")
    assert warm.written < 20


def test_index_and_publisher_pages_join_the_entries_rendered_beside_each_briefing(tmp_path, monkeypatch):
    """Cards and publisher items come with each briefing page's render; the lists, rendered
    last, only join them, and give the bytes they would have rendered themselves."""
    briefings = varied_briefings(30)
    original = render._remembered
    missing: list[str] = []

    def listing(env, fragments, macro, item, root):
        listed = isinstance(fragments, render.Fragments) and macro in ("briefing_card", "publisher_item")
        if listed and fragments.get(render._fragment_key(macro, item, root)) is None:
            missing.append(macro)
        return original(env, fragments, macro, item, root)

    monkeypatch.setattr(render, "_remembered", listing)
    render_into(tmp_path / "beside", briefings)
    assert missing == []
    monkeypatch.setattr(render.BriefingRenderer, "list_entries", lambda self, page: {})
    render_into(tmp_path / "listed", briefings)
    assert missing.count("briefing_card") == len(briefings) and "publisher_item" in missing
    assert site_files(tmp_path / "beside" / "site") == site_files(tmp_path / "listed" / "site")


def theme_with_macros(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A project theme whose macros.html is the default one with ``old`` replaced by ``new``."""
    macros = (render.builtin_themes_dir() / "default" / "templates" / "macros.html").read_text(encoding="utf-8")
    assert old in macros
    theme = tmp_path / "proj" / "themes" / name / "templates"
    theme.mkdir(parents=True)
    (theme / "macros.html").write_text(macros.replace(old, new), encoding="utf-8")
    return theme


def test_a_card_the_theme_cannot_render_is_reported_by_the_index(tmp_path):
    theme_with_macros(tmp_path, "broken", '<li class="briefing-card">',
                      '<li class="briefing-card">{{ page.no_such.thing }}')
    with pytest.raises(BriefgenError, match="index.html"):
        build(tmp_path, [seed_briefing()], theme="broken")


def test_a_theme_card_macro_of_its_own_making_still_renders(tmp_path):
    """A theme whose ``briefing_card`` takes other arguments, called by its own index."""
    theme = theme_with_macros(tmp_path, "own", "{% macro briefing_card(page, root) -%}",
                              "{% macro briefing_card(page) -%}{% set root = '' %}")
    (theme / "index.html").write_text('{% extends "base.html" %}{% import "macros.html" as m %}{% block main %}'
                                      '<ul>{% for p in briefings %}{{ m.briefing_card(p) }}{% endfor %}</ul>'
                                      '{% endblock %}', encoding="utf-8")
    site, _, _ = build(tmp_path, [seed_briefing(), dated_briefing(1, "2020-09-28")], theme="own")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count('<li class="briefing-card">') == 2


def test_parked_exports_and_feed_entries_read_back_as_they_were_and_leave_no_file(tmp_path):
    from briefgen.render_cache import Spill, Spilled

    folder = tmp_path / "cache"
    entry = {"figures": b"f", "sources": b"s", "export": '{"title":"\u00e9"}'.encode() * 5000,
             "feed_entry": "<entry>Kharkiv \u2013 \udcff</entry>", "cards": {"k": "<li>"}}
    bare = dict(entry, feed_entry="")
    with Spill(folder) as spill:
        parked = spill.parked_entry(entry)
        parked_bare = spill.parked_entry(bare)
        assert all(type(parked[name]) is Spilled for name in ("export", "sources", "feed_entry"))
        assert parked["figures"] == b"f" and parked["cards"] == {"k": "<li>"}  # small: kept
        assert parked_bare["feed_entry"] == ""  # nothing to park
        assert spill.whole_entry(parked) == entry and spill.whole_entry(parked_bare) == bare
        assert spill.whole_entry(entry) is entry  # an entry from the cache is whole already
        assert spill.fetch(parked["export"]) == entry["export"]
    assert list(folder.iterdir()) == []


def test_render_cache_follows_theme_and_settings(tmp_path):
    root = tmp_path / "proj"
    theme = root / "themes" / "mine" / "templates"
    theme.mkdir(parents=True)
    footer = '{% extends "base.html" %}{% block main %}<h1>Places</h1><p>version one</p>{% endblock %}'
    (theme / "entities.html").write_text(footer, encoding="utf-8")
    briefings = varied_briefings(5)
    render_into(root, briefings, theme="mine")
    assert "version one" in (root / "site/places/index.html").read_text(encoding="utf-8")
    (theme / "entities.html").write_text(footer.replace("one", "two"), encoding="utf-8")
    render_into(root, briefings, theme="mine")
    assert "version two" in (root / "site/places/index.html").read_text(encoding="utf-8")
    report, _ = render_into(root, briefings, theme="mine", title="A new title")
    assert "briefings/dated-1.html" in report.written_files
    assert "A new title" in (root / "site/briefings/dated-1.html").read_text(encoding="utf-8")


def test_a_torn_cache_or_edited_site_file_is_repaired(tmp_path):
    briefings = varied_briefings(5)
    root = tmp_path / "proj"
    render_into(root, briefings)
    expected = site_files(root / "site")
    cache = root / ".briefgen" / render.CACHE_FILE
    shards = [f for f in cache.rglob("*.pickle") if f.name not in ("core.pickle", "index.pickle")]
    assert shards
    for file in shards:  # entries lost while the core and index still name them
        file.write_bytes(b"")
    (root / "site" / "index.html").unlink()
    (root / "site" / "briefings.json").unlink()
    render_into(root, briefings)
    assert site_files(root / "site") == expected
    for file in cache.rglob("*.pickle"):
        file.write_bytes(file.read_bytes()[:100])  # a crash can leave no worse than this
    (root / "site" / "briefings" / "dated-1.html").write_text("edited by hand", encoding="utf-8")
    (root / "site" / "places" / "capital.html").unlink()
    render_into(root, briefings)
    assert site_files(root / "site") == expected
    page = root / "site" / "briefings" / "dated-2.html"
    page.write_bytes(page.read_bytes().replace(b"Dated", b"Dat3d"))  # same size, new mtime
    report, _ = render_into(root, briefings)
    assert report.written_files == ["briefings/dated-2.html"]
    assert site_files(root / "site") == expected


def test_render_into_another_folder_ignores_the_first_ones_files(tmp_path):
    briefings = varied_briefings(5)
    root = tmp_path / "proj"
    render_into(root, briefings)
    other = tmp_path / "elsewhere"
    render.render_site(Project(root), Settings(search=False, site_url=SITE_URL), briefings, {}, Diagnostics(),
                       site_dir=other)
    assert site_files(other) == site_files(root / "site")


def test_search_index_is_rebuilt_only_when_a_page_changed(tmp_path, monkeypatch):
    from briefgen import search

    if not search.pagefind_available():
        pytest.skip("pagefind[bin] is not installed")
    runs: list[Path] = []
    original = search.build_search_index

    def counting(site_dir):
        runs.append(site_dir)
        return original(site_dir)

    monkeypatch.setattr(search, "build_search_index", counting)
    briefings = varied_briefings(3)
    root = tmp_path / "proj"
    render_into(root, briefings, search=True)
    render_into(root, briefings, search=True)
    assert len(runs) == 1 and (root / "site" / "pagefind" / "pagefind.js").is_file()
    render_into(root, edited(briefings), search=True)
    assert len(runs) == 2
    shutil.rmtree(root / "site" / "pagefind")  # a lost bundle is rebuilt even when no page changed
    render_into(root, edited(briefings), search=True)
    assert len(runs) == 3 and (root / "site" / "pagefind" / "pagefind.js").is_file()


def test_refuses_to_write_into_a_foreign_folder(tmp_path):
    root = tmp_path / "proj"
    (root / "site").mkdir(parents=True)
    (root / "site" / "index.html").write_text("someone else's site")
    with pytest.raises(BriefgenError, match="not written by briefgen"):
        render.render_site(Project(root), Settings(search=False), [seed_briefing()], {}, Diagnostics())
    assert (root / "site" / "index.html").read_text() == "someone else's site"
    assert sorted(p.name for p in (root / "site").iterdir()) == ["index.html"]


def test_a_tampered_manifest_cannot_delete_outside_the_site(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing()])
    victim = tmp_path / "proj" / "precious.txt"
    victim.write_text("keep")
    (site / sitefiles.MARKER_FILE).write_text(json.dumps({"files": ["../precious.txt", "/etc/hostname", "a/../../precious.txt"]}))
    build(tmp_path, [seed_briefing()])
    assert victim.read_text() == "keep"


# -- feed, sitemap, GitHub Pages files --------------------------------------------------------
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_atom_feed_follows_rfc_4287(tmp_path):
    briefings = [dated_briefing(1, "2020-09-27"), dated_briefing(2, "2020-09-29"), seed_briefing()]
    site, report, _ = build(tmp_path, briefings, site_url=SITE_URL, title="War & Peace <briefs>")
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}title").text == "War & Peace <briefs>"
    assert feed.find(f"{ATOM}updated").text == "2020-09-29T00:00:00Z"
    assert feed.findall(f"{ATOM}author/{ATOM}name")
    self_links = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [link.get("href") for link in self_links] == [SITE_URL + "feed.xml"]
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2  # the undated seed briefing is left out, with a notice
    assert any("no date" in notice for notice in report.notices)
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
    for element in feed.iter():
        if element.tag == f"{ATOM}updated":
            assert RFC3339.match(element.text)
        if element.tag == f"{ATOM}link":
            assert element.get("href").startswith(SITE_URL)
    for entry in entries:
        for name in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{name}") is not None
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Dated briefing 2", "Dated briefing 1"]
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 2
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in index and 'href="feed.xml"' in index


def element_tree_xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def test_feed_and_sitemap_bytes_match_element_tree():
    """The feed writer skips building a tree; its bytes must be what ElementTree writes."""
    from briefgen import feeds
    from briefgen.markup import clean_text

    hostile = EVIL + "\r\n\t\x01 é \u2028"
    entries = [{"id": "a", "title": hostile, "path": 'p&<>"x.html', "updated": date(2020, 1, 2), "summary": hostile},
               {"id": "b", "title": "", "path": "b.html", "updated": date(2021, 1, 2), "summary": ""}]
    for site_url, description in ((SITE_URL, ""), ('https://example.org/a&b"<x/', "About " + hostile)):
        feed = ET.Element("feed", {"xmlns": "http://www.w3.org/2005/Atom", "xml:lang": "en" + hostile})
        ET.SubElement(feed, "id").text = feeds.stable_uuid(site_url, "feed")
        ET.SubElement(feed, "title").text = clean_text(hostile)
        if description:
            ET.SubElement(feed, "subtitle").text = clean_text(description)
        ET.SubElement(feed, "updated").text = "2021-01-02T00:00:00Z"
        ET.SubElement(ET.SubElement(feed, "author"), "name").text = clean_text(hostile)
        ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": site_url + "feed.xml"})
        ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": site_url})
        ET.SubElement(feed, "generator").text = "briefgen"
        for entry in entries:
            node = ET.SubElement(feed, "entry")
            ET.SubElement(node, "id").text = feeds.stable_uuid(site_url, "briefing:" + entry["id"])
            ET.SubElement(node, "title").text = clean_text(entry["title"])
            ET.SubElement(node, "updated").text = feeds.rfc3339(entry["updated"])
            ET.SubElement(node, "link", {"rel": "alternate", "type": "text/html", "href": site_url + entry["path"]})
            if entry["summary"]:
                ET.SubElement(node, "summary", {"type": "text"}).text = clean_text(entry["summary"])
        assert feeds.atom_feed(site_url=site_url, title=hostile, description=description, language="en" + hostile,
                               entries=entries) == element_tree_xml(feed)
        pages = [("index.html", None), ('b&<".html', date(2020, 1, 1))]
        urlset = ET.Element("urlset", {"xmlns": "http://www.sitemaps.org/schemas/sitemap/0.9"})
        for path, modified in pages:
            url = ET.SubElement(urlset, "url")
            ET.SubElement(url, "loc").text = site_url + path
            if modified:
                ET.SubElement(url, "lastmod").text = modified.isoformat()
        assert feeds.sitemap(site_url, pages) == element_tree_xml(urlset)
        assert feeds.sitemap(site_url, []) == element_tree_xml(ET.Element("urlset", {"xmlns": urlset.get("xmlns")}))


def test_entry_ids_survive_a_slug_rename(tmp_path):
    site, _, _ = build(tmp_path, [dated_briefing(1, "2020-09-27")], site_url=SITE_URL, name="a")
    renamed = replace(dated_briefing(1, "2020-09-27"), slug="renamed", old_slugs=["dated-1"])
    site2, _, _ = build(tmp_path, [renamed], site_url=SITE_URL, name="b")
    first = ET.parse(site / "feed.xml").getroot().find(f"{ATOM}entry/{ATOM}id").text
    assert first == ET.parse(site2 / "feed.xml").getroot().find(f"{ATOM}entry/{ATOM}id").text


def test_without_site_url_feed_sitemap_and_canonical_are_skipped(tmp_path):
    site, report, _ = build(tmp_path, [dated_briefing(1, "2020-09-27")])
    assert not (site / "feed.xml").exists() and not (site / "sitemap.xml").exists()
    assert any("site_url" in notice for notice in report.notices)
    assert b'rel="canonical"' not in (site / "index.html").read_bytes()
    assert b"Sitemap:" not in (site / "robots.txt").read_bytes()


def test_sitemap_lists_pages_with_absolute_urls(tmp_path):
    site, _, _ = build(tmp_path, [dated_briefing(1, "2020-09-27"), seed_briefing(old_slugs=["was-here"])],
                       site_url=SITE_URL)
    root = ET.parse(site / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {u.find(f"{ns}loc").text: u.find(f"{ns}lastmod") for u in root.findall(f"{ns}url")}
    assert SITE_URL + "index.html" in locs
    assert locs[SITE_URL + "briefings/dated-1.html"].text == "2020-09-27"
    assert SITE_URL + "404.html" not in locs and SITE_URL + "briefings/was-here.html" not in locs
    assert all(loc.startswith(SITE_URL) for loc in locs)
    assert b"Sitemap: " + SITE_URL.encode() + b"sitemap.xml" in (site / "robots.txt").read_bytes()
    page = (site / "briefings/dated-1.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{SITE_URL}briefings/dated-1.html">' in page


def test_github_pages_files(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing()], cname="briefs.example.org")
    assert (site / ".nojekyll").read_bytes() == b""
    assert (site / "CNAME").read_text() == "briefs.example.org\n"
    assert (site / "404.html").is_file() and (site / "about.html").is_file()
    assert (site / "robots.txt").read_text().startswith("User-agent: *")


def test_old_slugs_redirect_relatively(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing(old_slugs=["karabakh-old", "nagorno-karabakh-clashes"])])
    html = (site / "briefings/karabakh-old.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=nagorno-karabakh-clashes.html">' in html
    assert '<a href="nagorno-karabakh-clashes.html">' in html
    assert "This briefing has moved" not in (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")


# -- export ------------------------------------------------------------------------------------
def test_export_keeps_the_agreed_keys(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing(), dated_briefing(1, "2020-09-28")])
    data = json.loads((site / "briefings.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert [b["id"] for b in data["briefings"]] == ["b1", "d1"]
    seed = data["briefings"][0]
    assert {"id", "title", "url", "articles", "figures", "disputes", "claims", "sources"} <= set(seed)
    assert seed["url"] == "briefings/nagorno-karabakh-clashes.html"
    assert seed["articles"] == [A, B]
    for figure in seed["figures"]:
        assert {"id", "kind", "value", "group", "cumulative", "reported_by", "article", "quote"} <= set(figure)
    assert {"type": "revision", "figures": ["f1", "f5"], "note": ""} in seed["disputes"]
    assert (site / "briefings.json").read_text(encoding="utf-8").endswith("}\n")


def test_export_bytes_are_a_plain_json_dump_with_markup_escaped():
    from dataclasses import asdict

    from briefgen import feeds

    records = [seed_briefing(), hostile_briefing("javascript:alert(1)"), dated_briefing(1, "2020-09-28")]
    pairs = [(record, f"briefings/{n}.html") for n, record in enumerate(records)]
    payload = {"version": 1, "briefings": [dict(asdict(record), url=path)
                                           for record, path in sorted(pairs, key=lambda p: p[0].id)]}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    assert feeds.export_json(pairs) == (text + "\n").encode("utf-8")


def test_a_file_written_in_pieces_is_the_joined_bytes_and_skipped_when_unchanged(tmp_path):
    """briefings.json is written piece by piece, its pieces made once; the writer still
    hashes, compares and skips it exactly as a file given whole."""
    writer = sitefiles.SiteWriter(tmp_path)
    pieces = [b'{"briefings":[', b'{"id":"a"}', b',{"id":"b"}', b'],"version":1}\n']
    made = []

    def produce(parts: list[bytes]):
        made.append(1)
        yield from parts

    written, state = writer.write_pieces_known("briefings.json", produce(pieces), None)
    assert written and (tmp_path / "briefings.json").read_bytes() == b"".join(pieces)
    assert state == writer.write_known("other.json", b"".join(pieces), None)[1]._replace(
        mtime_ns=state.mtime_ns)  # the same digest and size as the whole bytes give
    assert writer.write_pieces_known("briefings.json", produce(pieces), state) == (False, state)
    mtime = (tmp_path / "briefings.json").stat().st_mtime_ns
    assert writer.write_pieces_known("briefings.json", produce(pieces), None)[0] is False  # read and compared
    assert (tmp_path / "briefings.json").stat().st_mtime_ns == mtime  # left as it was
    same_size = [piece.replace(b'"a"', b'"c"') for piece in pieces]
    assert writer.write_pieces_known("briefings.json", produce(same_size), state)[0]
    assert (tmp_path / "briefings.json").read_bytes() == b"".join(same_size)
    assert len(made) == 4  # one generator per write, each read once
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_file_whose_pieces_fail_midway_is_left_as_it_was(tmp_path):
    writer = sitefiles.SiteWriter(tmp_path)
    writer.write("briefings.json", b"old bytes")

    def failing():
        yield b"new "
        raise RuntimeError("a piece could not be made")

    with pytest.raises(RuntimeError):
        writer.write_pieces_known("briefings.json", failing(), None)
    assert (tmp_path / "briefings.json").read_bytes() == b"old bytes"
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_pieces_give_the_export_bytes():
    from briefgen import feeds

    records = [seed_briefing(), hostile_briefing("javascript:alert(1)"), dated_briefing(1, "2020-09-28")]
    fragments = [feeds.export_fragment(record, f"briefings/{n}.html") for n, record in enumerate(records)]
    whole = feeds.export_from_fragments(fragments)
    assert b"".join(feeds.export_pieces(feeds.encode_fragment(f) for f in fragments)) == whole
    assert json.loads(whole)["briefings"][1]["id"] == records[1].id
    assert b"".join(feeds.export_pieces([])) == b'{"briefings":[],"version":1}\n'



# -- themes ------------------------------------------------------------------------------------
def test_project_theme_shadows_the_default_file_by_file(tmp_path):
    root = tmp_path / "proj"
    theme = root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "index.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>My own index</h1>{% endblock %}', encoding="utf-8")
    (theme / "static" / "style.css").write_text("body { color: #000; }\n", encoding="utf-8")
    (theme / "static" / "extra.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    site, _, _ = build(tmp_path, [seed_briefing()], theme="mine", search=True)
    assert "My own index" in (site / "index.html").read_text(encoding="utf-8")
    assert "Key figures" in (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    assert (site / "static/style.css").read_text() == "body { color: #000; }\n"
    assert (site / "static/extra.css").is_file()
    default_js = render.builtin_themes_dir() / "default" / "static" / "search.js"
    assert (site / "static/search.js").read_bytes() == default_js.read_bytes()


def test_unknown_theme_is_an_error(tmp_path):
    with pytest.raises(BriefgenError, match="theme 'nope' not found"):
        build(tmp_path, [seed_briefing()], theme="nope")


def test_template_errors_name_the_template(tmp_path):
    theme = tmp_path / "proj" / "themes" / "broken" / "templates"
    theme.mkdir(parents=True)
    (theme / "about.html").write_text("{{ no_such_variable.x }}", encoding="utf-8")
    with pytest.raises(BriefgenError, match="about.html"):
        build(tmp_path, [seed_briefing()], theme="broken")


def test_search_index_is_built_when_pagefind_is_installed(tmp_path):
    from briefgen import search

    if not search.pagefind_available():
        pytest.skip("pagefind[bin] is not installed")
    site, report, _ = build(tmp_path, [seed_briefing()], search=True)
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert not any("search" in notice for notice in report.notices)
    assert b"data-pagefind-body" in (site / "briefings/nagorno-karabakh-clashes.html").read_bytes()
    assert b"data-pagefind-body" not in (site / "index.html").read_bytes()
    _, _, _ = build(tmp_path, [seed_briefing()], search=False)
    assert not (site / "pagefind").exists() and not (site / "search.html").exists()


def test_dates_in_the_input_only(tmp_path):
    site, _, _ = build(tmp_path, [seed_briefing(updated=None)])
    html = (site / "briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    assert "<time" not in html  # nothing in the seed is dated, so no date appears
    assert str(date.today().year) not in html.replace("2016", "")


# -- deployment ----------------------------------------------------------------------------------
def test_pages_workflow_builds_with_the_pages_url_and_official_actions():
    import yaml

    from briefgen.config import load_settings

    workflow_file = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "pages.yml"
    workflow = yaml.safe_load(workflow_file.read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    used = {step["uses"].split("@")[0] for step in steps if "uses" in step}
    assert used == {"actions/checkout", "actions/setup-python", "actions/configure-pages",
                    "actions/upload-pages-artifact", "actions/deploy-pages"}
    build_step = next(step for step in steps if step.get("run", "").startswith("briefgen build"))
    assert build_step["env"]["BRIEFGEN_SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    install = next(step for step in steps if step.get("name") == "Install briefgen")["run"]
    assert "pip install ." in install and 'pip install "$INSTALL_BRIEFGEN"' in install
    # configure-pages gives the URL without its final slash; settings add it.
    settings = load_settings(Project(Path("/nonexistent")), environ={"BRIEFGEN_SITE_URL": "https://u.github.io/r"})
    assert settings.site_url == "https://u.github.io/r/"
