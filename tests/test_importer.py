"""``briefgen import``: each input format, round trips through ingest, duplicates, stdin."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import importer, ingest
from briefgen.config import Project, Settings
from briefgen.diagnostics import BriefgenError, Diagnostics
from briefgen.importer import Record, import_files, render_article, slugify

PARAGRAPH_1 = "Twenty-seven separatist fighters died in clashes on Monday, officials said."
PARAGRAPH_2 = "\"We will respond,\" the defence ministry said in a statement on Tuesday."
TEXT = f"{PARAGRAPH_1}\n\n{PARAGRAPH_2}"

RECORDS = [
    {"title": "Clashes kill 27", "text": TEXT, "source": "Example Wire",
     "url": "https://example.com/news/clashes-kill-27", "published": "2020-09-28", "author": "Jane Doe"},
    {"title": "Toll rises to 84", "text": "The military death toll rose to 84, the ministry said.\n\nFollow us on "
     "Twitter\n\nFighting continued overnight, residents said.", "source": None,
     "url": None, "published": None},
]


def new_project(tmp_path: Path) -> Project:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    return Project(tmp_path)


def run(project: Project, sources: list, **kwargs) -> tuple[importer.ImportReport, Diagnostics]:
    diagnostics = Diagnostics()
    return import_files(sources, project, diagnostics, **kwargs), diagnostics


def read_back(project: Project) -> dict[str, ingest.Article]:
    diagnostics = Diagnostics()
    articles = ingest.read_articles(project, Settings(), diagnostics)
    assert diagnostics.warnings == []
    return {a.title: a for a in articles}


def assert_round_trip(project: Project) -> None:
    """The two RECORDS, written and read back with every field intact (furniture removed)."""
    articles = read_back(project)
    first, second = articles["Clashes kill 27"], articles["Toll rises to 84"]
    assert first.text == TEXT
    assert (first.source, first.url, first.published, first.author) == (
        "Example Wire", "https://example.com/news/clashes-kill-27", date(2020, 9, 28), "Jane Doe")
    assert second.text == ("The military death toll rose to 84, the ministry said.\n\n"
                           "Fighting continued overnight, residents said.")
    assert (second.source, second.url, second.published, second.author) == (None, None, None, None)


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


def test_jsonl_round_trip(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "export.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert diagnostics.warnings == []
    assert [p.name for p in report.written] == ["clashes-kill-27.md", "toll-rises-to-84.md"]
    assert report.skipped == []
    assert_round_trip(project)
    written = (project.articles_dir / "toll-rises-to-84.md").read_text(encoding="utf-8")
    assert written.startswith("---\ntitle: Toll rises to 84\nsource: null\nurl: null\npublished: null\n")


def test_json_array_and_nested_source_names(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "newsapi.json"
    source.write_text(json.dumps([{
        "source": {"id": None, "name": "Example Wire"}, "author": "Jane Doe", "title": "Clashes kill 27",
        "url": "https://example.com/news/clashes-kill-27", "publishedAt": "2020-09-28T10:00:00Z", "content": TEXT,
    }, "not an object"]), encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert len(report.written) == 1
    article = read_back(project)["Clashes kill 27"]
    assert (article.source, article.published, article.text) == ("Example Wire", date(2020, 9, 28), TEXT)
    assert [p.message for p in diagnostics.warnings] == ["item 2 is not an object; skipped"]


def test_csv_with_aliased_columns(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "export.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Headline", "Body", "Publisher", "Link", "pubDate", "Byline", "Section"])
        first, second = RECORDS
        writer.writerow([first["title"], first["text"], first["source"], first["url"],
                         "Mon, 28 Sep 2020 10:00:00 GMT", first["author"], "World"])
        writer.writerow([second["title"], second["text"], "", "", "", "", "World"])
    report, diagnostics = run(project, [source])
    assert diagnostics.warnings == [] and len(report.written) == 2
    assert_round_trip(project)


def test_tsv_and_html_in_a_body_column(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "export.tsv"
    source.write_text("title\tcontent\turl\n"
                      f"Clashes kill 27\t<p>{PARAGRAPH_1}</p><script>alert(1)</script><p>{PARAGRAPH_2}</p>\t"
                      "https://example.com/a\n", encoding="utf-8")
    report, _ = run(project, [source])
    assert len(report.written) == 1
    assert read_back(project)["Clashes kill 27"].text == TEXT


def test_csv_without_known_columns_is_reported(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "other.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert report.written == []
    assert diagnostics.warnings[0].line == 1 and "no known column" in diagnostics.warnings[0].message


RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example Wire</title><link>https://example.com/</link><description>News</description>
<item><title>Clashes kill 27</title><link>https://example.com/news/clashes-kill-27</link>
<guid isPermaLink="false">tag:example.com,2020:1</guid>
<pubDate>Mon, 28 Sep 2020 10:00:00 +0000</pubDate><dc:creator>Jane Doe</dc:creator>
<description>Short teaser</description>
<content:encoded><![CDATA[<p>{PARAGRAPH_1}</p><p>&quot;We will respond,&quot; the defence ministry said in a statement on Tuesday.</p><p><a href="https://example.com/share">Share this:</a></p>]]></content:encoded></item>
<item><title>Toll rises to 84</title><description>The military death toll rose to 84, the ministry said.&lt;br&gt;Fighting continued overnight, residents said.</description></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example Wire</title><id>urn:x</id><updated>2020-09-29T00:00:00Z</updated>
<entry><title>Clashes kill 27</title><id>urn:uuid:1</id>
<link rel="alternate" href="https://example.com/news/clashes-kill-27"/><link rel="enclosure" href="https://example.com/x.mp3"/>
<published>2020-09-28T10:00:00Z</published><updated>2020-09-29T10:00:00Z</updated>
<author><name>Jane Doe</name></author>
<content type="html">&lt;p&gt;{PARAGRAPH_1}&lt;/p&gt;&lt;p&gt;"We will respond," the defence ministry said in a statement on Tuesday.&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_feed(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "feed.rss"
    source.write_text(RSS, encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert diagnostics.warnings == [] and len(report.written) == 2
    articles = read_back(project)
    first = articles["Clashes kill 27"]
    assert first.text == TEXT
    assert (first.source, first.url, first.published, first.author) == (
        "Example Wire", "https://example.com/news/clashes-kill-27", date(2020, 9, 28), "Jane Doe")
    second = articles["Toll rises to 84"]
    assert second.url is None and second.source == "Example Wire"
    assert second.text == "The military death toll rose to 84, the ministry said.\n\nFighting continued overnight, residents said."


def test_atom_feed(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "feed.atom"
    source.write_text(ATOM, encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert diagnostics.warnings == [] and len(report.written) == 1
    article = read_back(project)["Clashes kill 27"]
    assert (article.text, article.url, article.published, article.author, article.source) == (
        TEXT, "https://example.com/news/clashes-kill-27", date(2020, 9, 28), "Jane Doe", "Example Wire")


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
])
def test_feeds_declaring_entities_are_refused(tmp_path: Path, declaration: str) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "bomb.xml"
    body = RSS.replace("<title>Clashes kill 27</title>", "<title>&b;</title>" if "&a;" in declaration
                       else "<title>&secret;</title>")
    source.write_text(body.replace('<?xml version="1.0" encoding="UTF-8"?>',
                                   '<?xml version="1.0" encoding="UTF-8"?>' + declaration), encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert report.written == []
    assert "entities" in diagnostics.warnings[0].message
    assert list(project.articles_dir.iterdir()) == []


def test_broken_feed_is_reported_with_its_line(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "broken.xml"
    source.write_text("<rss>\n<channel>\n<item><title>x</title>\n</rss>\n", encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert report.written == []
    assert diagnostics.warnings[0].line == 4 and "not a readable feed" in diagnostics.warnings[0].message


def test_saved_html_page(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    page = tmp_path / "saved.html"
    page.write_text(f"""<html><head><title>Clashes kill 27</title>
<meta property="og:site_name" content="Example Wire"><meta property="og:url" content="https://example.com/news/1">
<meta property="article:published_time" content="2020-09-28"></head>
<body><article><h1>Clashes kill 27</h1><p>{PARAGRAPH_1}</p><p>Sign up for our newsletter</p>
<p>{PARAGRAPH_2}</p></article></body></html>""", encoding="utf-8")
    report, diagnostics = run(project, [page])
    assert diagnostics.warnings == [] and len(report.written) == 1
    article = read_back(project)["Clashes kill 27"]
    assert (article.text, article.source, article.url, article.published) == (
        TEXT, "Example Wire", "https://example.com/news/1", date(2020, 9, 28))


def test_plain_text_and_markdown_files(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    (tmp_path / "a.txt").write_text(f"Clashes kill 27\n\n{TEXT}\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: Toll rises to 84\nurl: https://example.com/b\n---\n\n"
                                   "The military death toll rose to 84, the ministry said.\n", encoding="utf-8")
    report, _ = run(project, [tmp_path / "a.txt", tmp_path / "b.md"])
    assert len(report.written) == 2
    articles = read_back(project)
    assert articles["Clashes kill 27"].text == TEXT
    assert articles["Toll rises to 84"].url == "https://example.com/b"


def test_a_folder_imports_its_files_in_order(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "b.jsonl").write_text(json.dumps(RECORDS[1]) + "\n", encoding="utf-8")
    (inbox / "sub" / "a.jsonl").write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    (inbox / "notes.docx").write_bytes(b"PK")
    report, _ = run(project, [inbox])
    assert [p.name for p in report.written] == ["toll-rises-to-84.md", "clashes-kill-27.md"]


# --------------------------------------------------------------------------
# Standard input and format detection
# --------------------------------------------------------------------------


@pytest.mark.parametrize("payload, expected", [
    (RSS, "feed"), (ATOM, "feed"), ("\n".join(json.dumps(r) for r in RECORDS), "jsonl"),
    (json.dumps(RECORDS), "jsonl"), ("title,text,url\nA,B,C\n", "csv"), ("title\ttext\nA\tB\n", "tsv"),
    ("<!doctype html><html><body><p>x</p></body></html>", "html"), ("<p>Fragment</p>", "html"),
    ("---\ntitle: x\n---\nbody\n", "md"), ("Just a title\nand some text\n", "txt"),
])
def test_sniff_format(payload: str, expected: str) -> None:
    assert importer.sniff_format(payload.encode("utf-8")) == expected


def test_stdin_is_sniffed(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    stdin = io.BytesIO(("\n".join(json.dumps(r) for r in RECORDS) + "\n").encode("utf-8"))
    report, _ = run(project, ["-"], stdin=stdin)
    assert len(report.written) == 2
    assert_round_trip(project)


def test_stdin_text_stream_and_clipboard_text(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    report, _ = run(project, ["-"], stdin=io.StringIO(f"Clashes kill 27\n{TEXT}\n"))
    assert [p.name for p in report.written] == ["clashes-kill-27.md"]
    assert read_back(project)["Clashes kill 27"].text == TEXT


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "export.dat"
    source.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    report, _ = run(project, [source], fmt="ndjson")
    assert len(report.written) == 1


def test_unknown_format_and_missing_files_fail_before_writing(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    with pytest.raises(BriefgenError, match="unknown format 'docx'"):
        run(project, [good], fmt="docx")
    with pytest.raises(BriefgenError) as raised:
        run(project, [good, tmp_path / "missing.csv", tmp_path / "gone.rss"])
    assert [p.path for p in raised.value.problems] == [str(tmp_path / "missing.csv"), str(tmp_path / "gone.rss")]
    assert list(project.articles_dir.iterdir()) == []


# --------------------------------------------------------------------------
# Duplicates, names, never overwriting
# --------------------------------------------------------------------------


def test_duplicates_within_a_batch_and_against_existing_articles(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    (project.articles_dir / "seed.txt").write_text(
        "Seed report\n\nFighting continued overnight in the north and the east of the country, residents of both "
        "regions said.\n", encoding="utf-8")
    rows = [
        RECORDS[0],
        {**RECORDS[0], "title": "Same URL, other form", "text": "Different words entirely, it said.",
         "url": "HTTP://www.Example.com:80/news/clashes-kill-27/?utm_source=rss#top"},
        {"title": "Same text, new URL", "text": TEXT.upper().replace(",", " ,"), "url": "https://other.example/x"},
        {"title": "Same as the existing seed", "text": "Fighting continued overnight in the north and the east "
         "of the country, residents of both regions said."},
        {"title": "Short texts are not duplicates", "text": "Police said."},
        {"title": "Short texts are not duplicates, really", "text": "Police said."},
        {"title": "", "text": ""},
    ]
    source = tmp_path / "batch.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report, _ = run(project, [source])
    assert [p.name for p in report.written] == ["clashes-kill-27.md", "short-texts-are-not-duplicates.md",
                                                "short-texts-are-not-duplicates-really.md"]
    reasons = [(s.source.rsplit("/", 1)[-1], s.reason) for s in report.skipped]
    assert reasons == [
        ("batch.jsonl:2", "duplicate: same URL as content/articles/clashes-kill-27.md"),
        ("batch.jsonl:3", "duplicate: same text as content/articles/clashes-kill-27.md"),
        ("batch.jsonl:4", "duplicate: same text as content/articles/seed.txt"),
        ("batch.jsonl:7", "no article text"),
    ]
    again, _ = run(project, [source])
    assert again.written == []
    assert again.skipped[4].reason == "duplicate: same text as content/articles/short-texts-are-not-duplicates.md"
    assert again.skipped[0].reason == "duplicate: same URL as content/articles/clashes-kill-27.md"


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    taken = project.articles_dir / "clashes-kill-27.md"
    taken.write_text("---\ntitle: Something else\n---\n\nAn unrelated article, the editor wrote.\n", encoding="utf-8")
    (project.articles_dir / "Clashes-Kill-27-2.txt").write_text("Other\n\nAnother unrelated text.\n", encoding="utf-8")
    before = hashlib.sha256(taken.read_bytes()).hexdigest()
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    report, _ = run(project, [source])
    assert [p.name for p in report.written] == ["clashes-kill-27-3.md"]
    assert hashlib.sha256(taken.read_bytes()).hexdigest() == before
    assert not any(p.name.startswith(".import-") for p in project.articles_dir.iterdir())


@pytest.mark.parametrize("title, slug", [
    ("Clashes kill 27", "clashes-kill-27"),
    ("../../etc/passwd", "etc-passwd"),
    ("C:\\Windows\\system32", "c-windows-system32"),
    ("Überfall in Köln: 3 Tote", "uberfall-in-koln-3-tote"),
    ("نزاع", "article"),
    ("", "article"),
    ("word " * 40, ("word-" * 12)[:-1]),
])
def test_slugify_is_safe_and_short(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_hostile_titles_stay_inside_the_articles_folder(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps({"title": "../../../outside", "text": TEXT, "url": "javascript:alert(1)",
                                  "published": "yesterday"}) + "\n", encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert [p.parent for p in report.written] == [project.articles_dir]
    assert not (tmp_path / "outside.md").exists()
    messages = sorted(p.message for p in diagnostics.warnings)
    assert messages[0].endswith("'published' not a date: 'yesterday' (use YYYY-MM-DD); left out")
    assert messages[1].endswith("'url' is not an http(s) URL; left out")
    article = read_back(project)["../../../outside"]
    assert article.url is None and article.published is None


def test_bad_json_lines_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "mixed.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n{broken\n[1, 2]\n" + json.dumps(RECORDS[1]) + "\n",
                      encoding="utf-8")
    report, diagnostics = run(project, [source])
    assert len(report.written) == 2
    assert [(p.line, p.path) for p in diagnostics.warnings] == [(2, str(source)), (3, str(source))]


def test_binary_input_is_skipped(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "photo.txt"
    source.write_bytes(b"\x89PNG\x00\x00\x01" * 10)
    report, diagnostics = run(project, [source])
    assert report.written == [] and diagnostics.warnings[0].message.startswith("skipped: binary file")


def test_report_summary_lists_skips(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "twice.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    report, _ = run(project, [source])
    assert report.summary().splitlines()[0] == "imported 1 article(s), skipped 1"
    assert "duplicate: same URL" in report.summary()


# --------------------------------------------------------------------------
# Property: whatever a record holds, the written file reads back the same
# --------------------------------------------------------------------------

titles = st.text(min_size=1, max_size=80).filter(lambda t: ingest.clean_title(t) != "")
markers = st.sampled_from(["", "", "# ", "## x ##", "- ", "* ", "+ ", "> ", ">", "\\", "\\# ", "\\\\- ", "1. "])
paragraphs = st.tuples(markers, st.text(min_size=1, max_size=120)).map("".join)
texts = st.lists(paragraphs, min_size=1, max_size=5).map("\n\n".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=titles, text=texts, source=st.none() | st.text(max_size=30),
       published=st.none() | st.dates(min_value=date(1900, 1, 1)))
def test_written_front_matter_round_trips(tmp_path_factory, title: str, text: str, source, published) -> None:
    record = Record(origin="x", title=ingest.clean_title(title), text=ingest.clean_text(text),
                    source=ingest.clean_meta_text(source), url="https://example.com/a?b=c&d=e#f",
                    published=published)
    content = render_article(record)
    front, _, _ = ingest.split_front_matter(content)
    assert isinstance(yaml.safe_load(front), dict)
    root = tmp_path_factory.mktemp("rt")
    (root / "content" / "articles").mkdir(parents=True)
    (root / "content" / "articles" / "a.md").write_text(content, encoding="utf-8")
    diagnostics = Diagnostics()
    articles = ingest.read_articles(Project(root), Settings(), diagnostics)
    if not record.text:
        assert articles == []
        return
    [article] = articles
    assert diagnostics.warnings == []
    assert (article.title, article.text, article.source, article.published, article.url) == (
        record.title, record.text, record.source, record.published, record.url)


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need a POSIX file system")
def test_articles_folder_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / "content").symlink_to(outside, target_is_directory=True)
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    with pytest.raises(BriefgenError, match="points outside the project"):
        run(Project(root), [source])
    assert list(outside.iterdir()) == []


def test_mostly_utf8_and_windows_1252_exports_are_decoded(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    source = tmp_path / "legacy.csv"
    source.write_bytes('title,text\nCaf\u00e9 shelled,"\u201cFour dead,\u201d the mayor said."\n'.encode("cp1252"))
    report, diagnostics = run(project, [source])
    assert len(report.written) == 1
    assert read_back(project)["Caf\u00e9 shelled"].text == "\u201cFour dead,\u201d the mayor said."
    assert "read as Windows-1252" in diagnostics.warnings[0].message


def test_deeply_nested_inputs_are_reported_not_crashing(tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    (tmp_path / "deep.jsonl").write_text('{"text": ' + "[" * 100_000 + "1" + "]" * 100_000 + "}\n"
                                         + json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    (tmp_path / "deep.xml").write_text("<rss><channel><item><title>Deep</title><description>"
                                       + "<x>" * 50_000 + "</x>" * 50_000 + "</description></item></channel></rss>",
                                       encoding="utf-8")
    report, diagnostics = run(project, [tmp_path / "deep.jsonl", tmp_path / "deep.xml"])
    assert [p.name for p in report.written] == ["clashes-kill-27.md"]
    assert diagnostics.warnings[0].line == 1 and diagnostics.warnings[0].message.startswith("line 1 is not valid JSON")
    deep_xml = [w.path for w in diagnostics.warnings] + [s.source for s in report.skipped]
    assert any("deep.xml" in where for where in deep_xml)
