"""The command line, driven as a user would: subprocesses on temporary projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TIMEOUT = 300


def run(*args: str, cwd: Path | None = None, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFGEN_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "briefgen.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT, env=full_env)


def test_version_and_help_on_every_command():
    assert run("--version").stdout.startswith("briefgen ")
    for command in ("init", "import", "build", "check", "serve", "clean"):
        result = run(command, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout, command


def test_no_command_is_a_usage_error():
    assert run().returncode == 2


def test_init_creates_a_project_that_builds(tmp_path):
    project = tmp_path / "desk"
    result = run("init", str(project))
    assert result.returncode == 0, result.stderr
    assert (project / "briefgen.yaml").is_file()
    assert list((project / "content" / "articles").iterdir())
    assert (project / "README.md").is_file()
    result = run("build", "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert "articles: 1 read" in result.stdout
    assert (project / "site" / "index.html").is_file()


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run("init", str(tmp_path))
    assert result.returncode == 2 and "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_build_outside_a_project_is_a_clear_usage_error(tmp_path):
    result = run("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "content/articles/ is missing" in result.stderr and "Traceback" not in result.stderr
    result = run("build", "--project", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such project folder" in result.stderr


def test_unknown_setting_gets_did_you_mean(sample_project):
    (sample_project / "briefgen.yaml").write_text("titel: Desk\n")
    result = run("build", "--project", str(sample_project))
    assert result.returncode == 2
    assert "briefgen.yaml:1: unknown setting 'titel' (did you mean 'title'?)" in result.stderr


def test_build_prints_what_it_did_and_strict_fails_on_warnings(sample_project):
    result = run("build", "--project", str(sample_project))
    assert result.returncode == 0, result.stderr
    for expected in ("articles: 2 read", "briefings: 1 (1 created", "time:"):
        assert expected in result.stdout
    (sample_project / "content" / "articles" / "empty.txt").write_text("")
    result = run("build", "--strict", "--project", str(sample_project))
    assert result.returncode == 1 and "empty.txt" in result.stderr
    result = run("build", "--project", str(sample_project))
    assert result.returncode == 0


def test_an_unchanged_rebuild_says_so(sample_project):
    assert run("build", "--project", str(sample_project)).returncode == 0
    result = run("build", "--project", str(sample_project))
    assert "up to date" in result.stdout


def test_check_reports_every_broken_briefing_file_with_its_line(sample_project):
    assert run("build", "--project", str(sample_project)).returncode == 0
    assert run("check", "--project", str(sample_project)).returncode == 0
    briefings = sample_project / "content" / "briefings"
    (path,) = sorted(briefings.glob("*.yaml"))
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("value: 58", "value: fifty-eight", 1), encoding="utf-8")
    (briefings / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = run("check", "--project", str(sample_project))
    assert result.returncode == 1
    assert f"{path.name}:" in result.stderr and "broken.yaml:" in result.stderr
    # the build refuses too, and overwrites nothing
    result = run("build", "--project", str(sample_project))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "value: fifty-eight" in path.read_text(encoding="utf-8")


def test_check_lists_quotes_that_no_longer_match_their_article(sample_project):
    assert run("build", "--project", str(sample_project)).returncode == 0
    article = sample_project / "content" / "articles" / "000_c581fe545c0f88e6.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("bringing their military death toll to 58",
                                                                    "bringing their toll to 58"),
                       encoding="utf-8")
    result = run("check", "--project", str(sample_project))
    assert result.returncode == 0
    assert "no longer" in result.stderr and "000_c581fe545c0f88e6" in result.stderr


def test_clean_removes_site_and_cache_but_never_content(sample_project):
    assert run("build", "--project", str(sample_project)).returncode == 0
    result = run("clean", "--project", str(sample_project))
    assert result.returncode == 0
    assert not (sample_project / "site").exists() and not (sample_project / ".briefgen").exists()
    assert (sample_project / "content" / "briefings").is_dir()


def test_clean_refuses_a_site_folder_briefgen_did_not_write(sample_project):
    foreign = sample_project / "site"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("not ours")
    result = run("clean", "--project", str(sample_project))
    assert result.returncode != 0
    assert (foreign / "precious.txt").read_text() == "not ours"


def test_import_each_format_and_skip_duplicates(tmp_path):
    project = tmp_path / "desk"
    assert run("init", str(project)).returncode == 0
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "export.jsonl").write_text(json.dumps({
        "title": "Shelling hits market", "text": "Five civilians were killed when shells hit a market, "
        "the regional governor said.", "source": "Wire", "url": "https://example.org/a",
        "published": "2024-05-01"}) + "\n")
    (inputs / "export.csv").write_text(
        "title,text,source,url,published\n"
        "Port strike,\"Two dockers were injured in a strike on the port, officials said.\",Paper,"
        "https://example.org/b,2024-05-02\n")
    (inputs / "feed.xml").write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>F</title><item>"
        "<title>Convoy attacked</title><link>https://example.org/c</link>"
        "<description>Three aid workers were killed in an attack on a convoy, the agency said."
        "</description><pubDate>Fri, 03 May 2024 10:00:00 GMT</pubDate></item></channel></rss>")
    (inputs / "page.html").write_text(
        "<html><head><title>Bridge destroyed</title></head><body><nav>Home | World</nav><article>"
        "<h1>Bridge destroyed</h1><p>The last bridge over the river was destroyed overnight, cutting "
        "off the town, local officials said on Saturday. Engineers said repairs would take weeks and "
        "residents would need to cross by boat until then.</p></article></body></html>")
    files = [str(inputs / n) for n in ("export.jsonl", "export.csv", "feed.xml", "page.html")]
    result = run("import", "--project", str(project), *files)
    assert result.returncode == 0, result.stderr
    written = sorted((project / "content" / "articles").glob("*.md"))
    assert len(written) == 1 + 4  # the example plus four imported
    again = run("import", "--project", str(project), *files)
    assert again.returncode == 0 and "imported 0 article(s)" in again.stdout
    stdin = run("import", "--project", str(project), "-", "--format", "jsonl",
                stdin=json.dumps({"title": "Stdin report", "text": "Seven people were injured in a "
                                  "blast, police said."}) + "\n")
    assert stdin.returncode == 0 and "imported 1 article(s)" in stdin.stdout
    assert run("build", "--project", str(project)).returncode == 0


def test_build_honours_environment_overrides(sample_project):
    result = run("build", "--project", str(sample_project),
                 env={"BRIEFGEN_SITE_URL": "https://me.github.io/desk/"})
    assert result.returncode == 0, result.stderr
    assert "https://me.github.io/desk/" in (sample_project / "site" / "sitemap.xml").read_text()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_builds_serves_and_rebuilds_when_a_briefing_file_changes(sample_project):
    import time
    import urllib.request

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFGEN_")}
    server = subprocess.Popen([sys.executable, "-m", "briefgen.cli", "serve", "--project",
                               str(sample_project), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)

    def page(path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
            return response.read().decode("utf-8")

    def wait_for(condition, timeout=120.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    try:
        assert wait_for(lambda: "<html" in page("index.html")), "serve never answered"
        (path,) = sorted((sample_project / "content" / "briefings").glob("*.yaml"))
        text = path.read_text(encoding="utf-8")
        title_line = next(line for line in text.splitlines() if line.startswith("title: "))
        path.write_text(text.replace(title_line, "title: Retitled by the desk", 1), encoding="utf-8")
        assert wait_for(lambda: "Retitled by the desk" in page("index.html")), "no rebuild seen"
    finally:
        server.terminate()
        server.wait(timeout=30)
