"""serve: builds, serves on loopback, rebuilds on a change and tells pages to reload."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_render import seed_briefing

from briefgen import render
from briefgen.config import Project, Settings
from briefgen.diagnostics import BriefgenError, ChangedMeanwhile, Diagnostics
from briefgen.serve import RELOAD_PATH, PreviewServer


def title_build(project: Project, settings: Settings) -> None:
    """A stand-in for the pipeline: the briefing's title comes from content/title.txt."""
    title = (project.content_dir / "title.txt").read_text(encoding="utf-8").strip()
    if not title:
        raise BriefgenError("content/title.txt: empty title")
    render.render_site(project, settings, [seed_briefing(title=title)], {}, Diagnostics())


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def preview(tmp_path: Path):
    root = tmp_path / "proj"
    (root / "content").mkdir(parents=True)
    (root / "content" / "title.txt").write_text("First title", encoding="utf-8")
    messages: list[str] = []
    server = PreviewServer(Project(root), Settings(search=False), title_build, host="127.0.0.1", port=0,
                           log=messages.append, poll_interval=0.1)
    server.start()
    yield server, root, messages
    server.stop()


def test_serves_rebuilds_and_signals_reload(preview):
    server, root, messages = preview
    assert server.url.startswith("http://127.0.0.1:")
    page = server.url + "briefings/nagorno-karabakh-clashes.html"
    status, html = fetch(page)
    assert status == 200 and "First title" in html
    assert RELOAD_PATH in html  # the live-reload script, injected into served pages only
    on_disk = (root / "site/briefings/nagorno-karabakh-clashes.html").read_text(encoding="utf-8")
    assert RELOAD_PATH not in on_disk
    _, generation = fetch(server.url + RELOAD_PATH.lstrip("/"))

    (root / "content" / "title.txt").write_text("Second title", encoding="utf-8")
    assert wait_for(lambda: "Second title" in fetch(page)[1]), messages
    assert wait_for(lambda: fetch(server.url + RELOAD_PATH.lstrip("/"))[1] != generation)
    assert any(m.startswith("changed: ") and m.endswith("title.txt; rebuilding") for m in messages), messages


def test_a_failed_rebuild_keeps_the_previous_site(preview):
    server, root, messages = preview
    page = server.url + "briefings/nagorno-karabakh-clashes.html"
    (root / "content" / "title.txt").write_text("", encoding="utf-8")
    assert wait_for(lambda: any("build failed" in m for m in messages)), messages
    status, html = fetch(page)
    assert status == 200 and "First title" in html


@pytest.mark.parametrize("outcome", ["reported", "raised"])
def test_a_save_the_build_saw_while_it_ran_is_built_next(tmp_path, outcome):
    """A build that saw a watched file saved while it ran says so (in its report, or
    by stopping before it wrote anything, as the real build does): the preview then
    builds again from the save instead of taking it for built."""
    root = tmp_path / "proj"
    (root / "content").mkdir(parents=True)
    title_file = root / "content" / "title.txt"
    title_file.write_text("First title", encoding="utf-8")
    messages: list[str] = []

    def racing_build(project: Project, settings: Settings) -> SimpleNamespace:
        title = title_file.read_text(encoding="utf-8").strip()
        saved = title == "Second title"
        if saved:  # the editor saves again while this build runs
            title_file.write_text("Saved while building", encoding="utf-8")
            if outcome == "raised":
                raise ChangedMeanwhile("content/title.txt: changed while the build ran")
        render.render_site(project, settings, [seed_briefing(title=title)], {}, Diagnostics())
        return SimpleNamespace(changed_meanwhile=["content/title.txt"] if saved else [])

    server = PreviewServer(Project(root), Settings(search=False), racing_build, host="127.0.0.1", port=0,
                           log=messages.append, poll_interval=0.1)
    server.start()
    try:
        page = server.url + "briefings/nagorno-karabakh-clashes.html"
        title_file.write_text("Second title", encoding="utf-8")
        assert wait_for(lambda: "Saved while building" in fetch(page)[1]), messages
    finally:
        server.stop()
    if outcome == "raised":
        assert any("changed while the build ran" in m and m.endswith("building again") for m in messages)


def test_a_first_build_that_stopped_for_a_save_is_done_again(tmp_path):
    root = tmp_path / "proj"
    (root / "content").mkdir(parents=True)
    (root / "content" / "title.txt").write_text("First title", encoding="utf-8")
    messages: list[str] = []
    calls: list[int] = []

    def stopped_once(project: Project, settings: Settings) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ChangedMeanwhile("content/title.txt: changed while the build ran")
        title_build(project, settings)

    server = PreviewServer(Project(root), Settings(search=False), stopped_once, host="127.0.0.1", port=0,
                           log=messages.append, poll_interval=0.1)
    server.start()
    try:
        assert len(calls) == 2 and "building again" in messages[0]
        assert "First title" in fetch(server.url + "briefings/nagorno-karabakh-clashes.html")[1]
    finally:
        server.stop()


def test_missing_pages_get_the_404_page(preview):
    server, _, _ = preview
    status, html = fetch(server.url + "no/such/page.html")
    assert status == 404 and "Page not found" in html
    status, html = fetch(server.url)
    assert status == 200 and "First title" in html
    status, css = fetch(server.url + "static/style.css")
    assert status == 200 and "prefers-color-scheme" in css
