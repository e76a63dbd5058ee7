"""Reading content/articles/: formats, furniture removal, ids, and hostile files."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import GOLD_SEEDS, SAMPLE_ARTICLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import furniture, ingest
from briefgen.config import Project, Settings
from briefgen.diagnostics import Diagnostics
from briefgen.ingest import clean_text, read_articles

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def make_project(root: Path, files: dict[str, str | bytes]) -> Project:
    """A project whose content/articles/ holds ``files`` (relative path -> text or bytes)."""
    articles = root / "content" / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = articles / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return Project(root)


def read(project: Project, jobs: int = 1) -> tuple[list, Diagnostics]:
    diagnostics = Diagnostics()
    return read_articles(project, Settings(), diagnostics, jobs=jobs), diagnostics


def messages_for(diagnostics: Diagnostics, name: str) -> list[str]:
    return [p.message for p in diagnostics.warnings if p.path.endswith(name)]


def tree_digest(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file's bytes hash and mtime, to prove nothing was modified."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            result[path.relative_to(folder).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return result


REAL_ARTICLE = (
    "Shelling kills four in border town\n\n"
    "Four civilians were killed when shells hit a market in the border town on Monday, "
    "the regional governor said.\n\n"
    "\"We heard three explosions,\" a shopkeeper told reporters.\n"
)


# --------------------------------------------------------------------------
# The seed articles and the gold file
# --------------------------------------------------------------------------


def test_seed_articles_are_read_with_titles_and_no_invented_metadata(sample_project: Path) -> None:
    articles, diagnostics = read(Project(sample_project))
    assert [a.id for a in articles] == sorted(p.stem for p in SAMPLE_ARTICLES.glob("*.txt"))
    assert diagnostics.warnings == []
    titles = {a.id: a.title for a in articles}
    assert titles["000_c581fe545c0f88e6"] == "Military death toll in Nagorno-Karabakh clashes rises to 58"
    assert titles["001_223150dcc2cc57dd"] == "26 more Armenian rebels killed in fighting in Karabakh"
    for article in articles:
        assert (article.source, article.url, article.published, article.author) == (None, None, None, None)
        assert article.path == f"content/articles/{article.id}.txt"
        raw = (sample_project / article.path).read_bytes()
        assert article.digest == hashlib.sha256(raw).hexdigest()


def test_seed_furniture_is_removed_and_reporting_kept(shared_dir: Path, sample_project: Path) -> None:
    gold = yaml.safe_load(GOLD_SEEDS.read_text(encoding="utf-8"))
    articles, _ = read(Project(sample_project))
    for article in articles:
        for banned in gold["must_not"]:
            assert banned not in article.text, (article.id, banned)
            assert banned not in article.title
        # Every real sentence of the file survives verbatim.
        raw = (sample_project / article.path).read_text(encoding="utf-8").splitlines()[1:]
        sentences = [line.strip() for line in raw if len(line.split()) >= 8 and line.strip().endswith((".", "”", '"'))
                     and not any(banned in line for banned in gold["must_not"])]
        assert sentences
        for sentence in sentences:
            assert sentence in article.text.split("\n\n"), sentence
    text_a = articles[0].text
    assert "It has previously put the number of deaths at 28." in text_a
    assert "The total death toll rose to 67 including nine civilian deaths" in text_a


def test_text_paragraphs_are_separated_by_blank_lines(sample_project: Path) -> None:
    articles, _ = read(Project(sample_project))
    later = next(a for a in articles if a.id.startswith("001"))
    paragraphs = later.text.split("\n\n")
    assert len(paragraphs) == 14
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)


# --------------------------------------------------------------------------
# clean_text: furniture removal by general rules
# --------------------------------------------------------------------------

FURNITURE = [
    "Enable Read mode",
    "100% Font Size",
    "Published: Updated:",
    "Top Content Trending",
    "For all the latest headlines follow our Google News channel online or via the app.",
    "You must enter the characters with black color that stand out from the other characters",
    "Message: * A friend wanted you to see this item from Example.com: http://example.com/1",
    "Stay informed with the latest headlines; sign up for our newsletter",
    "Follow us on Twitter and Facebook",
    "Like us on Facebook",
    "Copyright 2016 Example TV. All rights reserved.",
    "© 2017 Example Media Group.",
    ("(Copyright 2015 The Associated Press. All rights reserved. This material may not be published, broadcast, "
     "rewritten or redistributed.)"),
    "Click here to download our free app.",
    "This story is still developing. Check back for updates.",
    "This is a developing story.",
    "Share this: Facebook",
    "Advertisement",
    "Please enable Javascript to watch this video",
    "Having trouble viewing the video? Try disabling any ad blocking extensions currently running on your browser.",
    "Sign up for our email newsletters to get breaking news right in your inbox.",
    "Already have an account?",
    "Print",
    "Email",
    "A A",
    "Hide Transcript Show Transcript",
    "0 Pending Comments",
    "Like this: Like Loading...",
    "Read or Share this story: http://example.com/abc",
    "jdoe@example.com",
    "twitter.com/example",
    "@ExampleReporter",
    "https://example.com/news/2016/05/01/story.html",
    "1:06 Former nurse accused of stealing painkillers",
    "RELATED: Man charged in earlier shooting on Elm Street",
    "READ MORE: Mayor calls for calm after weekend violence",
    "WATCH: Police chief briefs reporters",
    "Updated: Oct 24, 2016 - 1:58 PM",
    "By The Associated Press",
    "Stay with Example News for updates on this developing story.",
    "___",
    "........",
    "Download the Example News app: iPhone | Android",
    "Follow Example: Facebook | Twitter",
    "By submitting your registration information, you agree to our Terms of Service and Privacy Policy.",
    "Whenever Jane Doe posts new content, you'll get an email delivered to your inbox with a link.",
]

REPORTING = [
    "Twenty-seven separatist fighters died in clashes on Monday, officials said.",
    "\"It's very tough right now.\"",
    "“We heard three explosions,” a shopkeeper told reporters.",
    "No arrests have been made.",
    "The investigation is ongoing.",
    "Police said.",
    "Employee John Doe told us the armed man entered through a side door and grabbed the manager.",
    "In video from the scene, you can clearly see a large hole in the driver's side window.",
    "Anyone with information is asked to call Crime Stoppers or email the police department.",
    "If you have information on the shooting, contact the police tip line at 555-0100 or e-mail tips@example.gov.",
    "The state governor said in a statement: \"Michael and I ask that everyone join us in praying for the families.\"",
    "The video platform removed the clip, saying it violated its terms of service.",
    "Her best friend told police she could not find her at area medical centers.",
    "A family friend has set up a fundraising account where you can donate to the funeral costs.",
    "Despite roadblocks, detectives have gathered physical evidence, the commissioner said.",
    "More than 20 people were injured in the blast, the ministry said.",
    "Also on Monday, police arrested a second suspect.",
    "12:45 p.m.:",
    "Saturday 9:10 a.m. UPDATE",
    "The post read:",
    "The TIPS hotline: 555-0100",
    "Killed: 4",
    "YEREVAN: Twenty-six separatist fighters were killed in clashes late Monday.",
    "Follow-up inspections found no further damage, the agency said.",
    "The fund will subscribe for the remaining 540 mln shares on the same terms.",
    "Few farmers would sign up for the program, the senator said.",
    "The notes are in addition to 300 mln dlrs already registered with the regulator.",
    "`` No . ''",
    "''No. ''",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_lines_are_removed(line: str) -> None:
    text = f"{REPORTING[0]}\n\n{line}\n\n{REPORTING[3]}"
    assert clean_text(text) == f"{REPORTING[0]}\n\n{REPORTING[3]}"


@pytest.mark.parametrize("line", REPORTING)
def test_reporting_lines_are_kept(line: str) -> None:
    text = f"{REPORTING[0]}\n\n{line}\n\n{REPORTING[3]}"
    assert clean_text(text) == text


def test_headline_list_after_read_more_is_removed_up_to_the_next_paragraph() -> None:
    text = (
        "The total death toll rose to 67, officials said.\n\n"
        "Read more:\n\n"
        "Armenia-Azerbaijan: At least 21 dead, hundreds injured as clashes continue\n\n"
        "UN chief calls for immediate end to fighting\n\n"
        "Talks stall as shelling continues?\n\n"
        "Azerbaijan has not yet released information on military casualties.\n\n"
        "Talks largely stalled in 1994 when a ceasefire was agreed."
    )
    assert clean_text(text) == (
        "The total death toll rose to 67, officials said.\n\n"
        "Azerbaijan has not yet released information on military casualties.\n\n"
        "Talks largely stalled in 1994 when a ceasefire was agreed."
    )


@pytest.mark.parametrize("marker", ["Related:", "RELATED STORIES", "More from Example.com:", "Also on HuffPost:",
                                    "TRENDING STORIES:", "Also read", "You may also like"])
def test_other_list_markers_start_a_headline_list(marker: str) -> None:
    text = (f"Police said two men were shot.\n\n{marker}\n\n+ Man dead in overnight shooting\n\n"
            "Family remembers teen killed in crash\n\nThe victims were taken to hospital.")
    assert clean_text(text) == "Police said two men were shot.\n\nThe victims were taken to hospital."


def test_web_talk_is_cut_from_a_paragraph_that_also_reports() -> None:
    text = ("Police believe his injury is not life-threatening. >> Get breaking news alerts in the Example mobile app\n\n"
            "The suspect fled on foot, investigators said. via Facebook © 2016 Example Media Group.\n\n"
            "Patel was a sophomore at the high school. Follow @example on Twitter.")
    assert clean_text(text) == (
        "Police believe his injury is not life-threatening.\n\n"
        "The suspect fled on foot, investigators said.\n\n"
        "Patel was a sophomore at the high school.")


WIRE_COPY = """Fighting continued throughout the week in
the northern districts, officials said, despite calls for a
ceasefire from regional leaders and the United Nations.
    The defence ministry said 14 soldiers were killed and
23 wounded since Monday, bringing the total to 212.
    Aid groups said the road to the provincial capital was cut.
They said convoys carrying food and medical supplies had been
turned back at a check-
point on Tuesday.
"""


def test_hard_wrapped_wire_copy_is_joined_into_paragraphs() -> None:
    assert clean_text(WIRE_COPY).split("\n\n") == [
        ("Fighting continued throughout the week in the northern districts, officials said, despite calls for a "
        "ceasefire from regional leaders and the United Nations."),
        "The defence ministry said 14 soldiers were killed and 23 wounded since Monday, bringing the total to 212.",
        ("Aid groups said the road to the provincial capital was cut. They said convoys carrying food and medical "
        "supplies had been turned back at a check-point on Tuesday."),
    ]


def test_one_line_per_paragraph_and_headline_lists_are_not_joined() -> None:
    text = ("Shelling killed four people in the town overnight, officials said\n"
            "Read more:\n"
            "Armenia-Azerbaijan: At least 21 dead, hundreds injured as clashes continue\n"
            "UN chief calls for immediate end to fighting over Nagorny Karabakh region\n"
            "Armenia declares martial law and mobilization amid Azerbaijan clashes\n"
            "Talks stalled in 1994 when a ceasefire was agreed, the mediators said.\n")
    assert clean_text(text).split("\n\n") == [
        "Shelling killed four people in the town overnight, officials said",
        "Talks stalled in 1994 when a ceasefire was agreed, the mediators said.",
    ]


def test_clean_text_normalizes_lines_spaces_and_invisible_characters() -> None:
    text = "\ufeffFirst  para\u00a0graph\r\nwrapped here.\r\n\r\n\u200bSecond\tparagraph.\x07\rThird one."
    assert clean_text(text) == "First para graph wrapped here.\n\nSecond paragraph.\n\nThird one."


def test_clean_text_caps_a_huge_paragraph_at_a_sentence_end() -> None:
    sentence = "Shelling continued across the front line overnight, officials said. "
    text = sentence * (ingest.MAX_PARAGRAPH_CHARS // len(sentence) + 50)
    cleaned = clean_text(text)
    assert len(cleaned) <= ingest.MAX_PARAGRAPH_CHARS
    assert cleaned.endswith("officials said.")


def test_clean_text_is_fast_on_a_multi_megabyte_line() -> None:
    started = time.perf_counter()
    clean_text("x" * 3_000_000 + " [" * 200_000)
    clean_text("Read more:\n" + "Headline without a stop\n" * 50_000)
    assert time.perf_counter() - started < 10


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_clean_text_is_idempotent_and_never_grows(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert len(once) <= len(text) + 1
    assert "\n\n\n" not in once and "\r" not in once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(FURNITURE + REPORTING), max_size=12))
def test_clean_text_on_mixtures_keeps_every_reporting_line(lines: list[str]) -> None:
    kept = clean_text("\n\n".join(lines)).split("\n\n")
    for line in lines:
        if line in REPORTING:
            assert line in kept
        else:
            assert line not in kept


@pytest.mark.corpus
def test_gva_furniture_is_removed_and_sentences_kept(shared_dir: Path) -> None:
    """On the gva corpus: known furniture never survives; few paragraphs go, and very few sentences."""
    rows = [json.loads(line) for line in (shared_dir / "corpus" / "gva" / "articles.jsonl").open(encoding="utf-8")]
    banned = ("You must enter the characters", "A friend wanted you to see this item",
              "Please enable Javascript", "All rights reserved", "Read or Share this story",
              "There was a problem saving your notification", "Your notification has been saved")
    total = removed = 0
    random.Random(7).shuffle(rows)
    for row in rows[:1200]:
        paragraphs = [p for p in (furniture.normalize_line(x) for x in row["text"].split("\n")) if p]
        cleaned = clean_text(row["text"])
        for phrase in banned:
            assert phrase.lower() not in cleaned.lower(), (row["id"], phrase)
        kept = set(cleaned.split("\n\n"))
        total += len(paragraphs)
        removed += sum(1 for p in paragraphs if p not in kept)
    assert total > 10_000
    assert 0.03 < removed / total < 0.12


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


def test_markdown_front_matter_fields(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"wire/report.md": (
        "---\n"
        "title: Clashes kill 27\n"
        "source: Example Wire\n"
        "url: https://example.com/a/1\n"
        "published: 2020-09-28\n"
        "author: [Jane Doe, John Roe]\n"
        "tags: [ignored]\n"
        "---\n\n"
        "# Clashes kill 27\n\n"
        "Twenty-seven fighters died on Monday,\nofficials said.\n\n"
        "> \"We will respond,\" the ministry said.\n\n"
        "- Nine civilians were killed.\n"
    )})
    [article], diagnostics = read(project)
    assert diagnostics.warnings == []
    assert article.id == "wire/report"
    assert article.path == "content/articles/wire/report.md"
    assert (article.title, article.source, article.url) == ("Clashes kill 27", "Example Wire", "https://example.com/a/1")
    assert article.published == date(2020, 9, 28)
    assert article.author == "Jane Doe, John Roe"
    assert article.text == ("Clashes kill 27\n\nTwenty-seven fighters died on Monday, officials said.\n\n"
                            "\"We will respond,\" the ministry said.\n\nNine civilians were killed.")


@pytest.mark.parametrize("value, expected", [
    ("2020-09-28T10:15:00Z", date(2020, 9, 28)),
    ("'2020-09-28'", date(2020, 9, 28)),
    ("2020-09-28 23:59:59+04:00", date(2020, 9, 28)),
    ("2020-09-28T10:15:00.123", date(2020, 9, 28)),
])
def test_published_accepts_iso_dates_and_datetimes(tmp_path: Path, value: str, expected: date) -> None:
    project = make_project(tmp_path, {"a.md": f"---\ntitle: T\npublished: {value}\n---\n\nBody text here.\n"})
    [article], diagnostics = read(project)
    assert article.published == expected
    assert diagnostics.warnings == []


def test_markdown_without_front_matter_takes_first_line_as_title(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"plain.markdown": "# A heading title\n\nThe body sentence is here.\n"})
    [article], _ = read(project)
    assert (article.title, article.text) == ("A heading title", "The body sentence is here.")


def test_markdown_links_and_raw_html_become_text(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a.md": (
        "---\ntitle: Links\n---\n\nRead [the statement](https://example.com/s) issued ![a photo](x.png) "
        "on Monday.\n\n<p>An <em>inline</em> paragraph.</p><script>alert(1)</script>\n\n\\- 5 people were hurt.\n")})
    [article], _ = read(project)
    assert article.text == "Read the statement issued on Monday.\n\nAn inline paragraph.\n\n- 5 people were hurt."


def test_txt_title_is_first_non_empty_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"t.txt": "\n\n  Title with  spaces  \nBody line one.\nBody line two.\n"})
    [article], _ = read(project)
    assert article.title == "Title with spaces"
    assert article.text == "Body line one.\n\nBody line two."


def test_html_page_main_text_and_metadata(tmp_path: Path) -> None:
    page = """<!doctype html><html><head><meta charset="utf-8"><title>Clashes kill 27 | Example News</title>
<meta property="og:site_name" content="Example News"><meta property="og:url" content="https://example.com/a/1">
<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2020-09-28T10:00:00Z">
</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav><article><h1>Clashes kill 27</h1>
<p>Twenty-seven separatist fighters died in clashes with Azerbaijani troops on Monday, officials said.</p>
<p>Follow us on Twitter for the latest news.</p>
<p>World leaders have urged a halt in fighting after the worst escalation since 2016, the ministry said.</p>
<p>Read more:</p><p>Armenia declares martial law</p>
<p>The total death toll rose to 67 including nine civilian deaths, officials in Baku said on Tuesday.</p>
</article><footer>Copyright 2020 Example News. All rights reserved.</footer></body></html>"""
    project = make_project(tmp_path, {"page.html": page})
    [article], diagnostics = read(project)
    assert diagnostics.warnings == []
    assert article.title == "Clashes kill 27"
    assert (article.source, article.url, article.author) == ("Example News", "https://example.com/a/1", "Jane Doe")
    assert article.published == date(2020, 9, 28)
    assert article.text.split("\n\n") == [
        "Twenty-seven separatist fighters died in clashes with Azerbaijani troops on Monday, officials said.",
        "World leaders have urged a halt in fighting after the worst escalation since 2016, the ministry said.",
        "The total death toll rose to 67 including nine civilian deaths, officials in Baku said on Tuesday.",
    ]


def test_html_page_without_metadata_invents_none(tmp_path: Path) -> None:
    page = ("<html><body><article><h1>Blast in market</h1><p>Five people were wounded when a device exploded in "
            "a crowded market on Sunday morning, the provincial police chief said to reporters.</p>"
            "<p>Witnesses said the blast shattered windows along the main street and sent shoppers running.</p>"
            "</article></body></html>")
    project = make_project(tmp_path, {"bare.htm": page})
    [article], _ = read(project)
    assert (article.source, article.url, article.published, article.author) == (None, None, None, None)
    assert "Five people were wounded" in article.text


# --------------------------------------------------------------------------
# Ids, duplicates and what counts as an article
# --------------------------------------------------------------------------


def test_ids_are_paths_without_extension_sorted(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"b.txt": REAL_ARTICLE, "a/z.md": f"---\ntitle: Z\n---\n{REAL_ARTICLE}",
                                      "a/b/c.txt": REAL_ARTICLE, "a.b.txt": REAL_ARTICLE})
    articles, _ = read(project)
    assert [a.id for a in articles] == ["a.b", "a/b/c", "a/z", "b"]


def test_two_files_with_one_id_keep_the_first_and_name_both(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"same.txt": REAL_ARTICLE, "same.md": f"---\ntitle: From md\n---\n{REAL_ARTICLE}",
                                      "Case.txt": REAL_ARTICLE, "case.txt": REAL_ARTICLE})
    articles, diagnostics = read(project)
    assert [a.path for a in articles] == ["content/articles/Case.txt", "content/articles/same.md"]
    [same] = messages_for(diagnostics, "same.txt")
    assert same.startswith("skipped") and "content/articles/same.md" in same
    [case] = messages_for(diagnostics, "case.txt")
    assert "content/articles/Case.txt" in case


def test_non_articles_are_passed_over_quietly(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"README.md": "# About this folder\n\nNotes.\n", "readme.txt": "x\ny\n",
                                      ".hidden.txt": REAL_ARTICLE, ".git/config.txt": REAL_ARTICLE,
                                      "notes.docx": b"PK\x03\x04", "data.json": "{}", "real.txt": REAL_ARTICLE,
                                      "backup.txt~": REAL_ARTICLE})
    articles, diagnostics = read(project)
    assert [a.id for a in articles] == ["real"]
    assert diagnostics.warnings == []


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes as names")
def test_file_names_that_are_not_utf8_are_skipped(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good.txt": REAL_ARTICLE})
    with open(os.path.join(os.fsencode(project.articles_dir), b"caf\xe9.txt"), "wb") as handle:
        handle.write(REAL_ARTICLE.encode("utf-8"))
    articles, diagnostics = read(project)
    assert [a.id for a in articles] == ["good"]
    [warning] = diagnostics.warnings
    assert str(warning) == "content/articles/caf\\xe9.txt: skipped: file name is not valid UTF-8 (rename the file)"
    str(warning).encode("utf-8")  # printable as is


def test_missing_articles_folder_is_an_empty_project(tmp_path: Path) -> None:
    assert read(Project(tmp_path)) == ([], Diagnostics())


def test_front_matter_id_and_slug_cannot_move_an_article(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"x.md": (HOSTILE / "path-traversal.md").read_text(encoding="utf-8")})
    [article], _ = read(project)
    assert article.id == "x" and article.path == "content/articles/x.md"


def test_process_pool_gives_the_same_result(tmp_path: Path) -> None:
    files = {f"n{i:03d}.txt": f"Title {i}\nBody sentence number {i}, officials said.\n"
             for i in range(ingest.POOL_MIN_FILES + 6)}
    files["broken.md"] = "---\ntitle: [unclosed\n---\nBody.\n"
    project = make_project(tmp_path, files)
    serial = read(project, jobs=1)
    parallel = read(project, jobs=2)
    assert serial == parallel
    assert len(serial[0]) == ingest.POOL_MIN_FILES + 6


# --------------------------------------------------------------------------
# Hostile and broken input
# --------------------------------------------------------------------------


def hostile_project(root: Path) -> Project:
    """The stored hostile fixtures, generated binary/odd ones, and one good article."""
    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in HOSTILE.iterdir() if p.is_file()}
    files.update({
        "good.txt": REAL_ARTICLE,
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "controls.md": bytes([1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 15, 16]) * 200,
        "empty.txt": b"",
        "whitespace.md": b"  \n\r\n\t\n",
        "bom-crlf.txt": "\ufeffTitle after a BOM\r\nFirst line of the body, officials said.\r\n\r\nSecond line.\r\n"
                        .encode("utf-8"),
        "cp1252.txt": "Caf\u00e9 shelled \u2013 \u201cfour dead\u201d\nThe caf\u00e9 was hit at dawn, "
                      "the mayor said.\n".encode("cp1252"),
        "latin1.txt": "Se\u00f1al lost\nThe signal was lost near the r\u00edo, officials said \u00bd hour later."
                      "\x81\n".encode("latin-1"),
        "utf16.txt": "UTF-16 title\nA body written in UTF-16, the test says.\n".encode("utf-16"),
        "mostly-utf8.txt": "Na\u00efve r\u00e9sum\u00e9 title\nThe caf\u00e9 was hit \u2013 \u201cfour dead\u201d, "
                           "the mayor said.\n".encode("utf-8") + b"A stray \xff byte.\n",
        "huge.txt": b"Huge title\n" + b"Filler sentence, officials said. " * (ingest.MAX_FILE_BYTES // 33 + 10),
        "long-line.txt": b"Long line title\n" + b"word " * 30_000 + b"\nA short last line.\n",
        "long-text.txt": b"Long text title\n" + b"Shelling went on all night, officials said.\n" * 100_000,
        "tag-soup.html": b"<html><body>" + b"<p>Shelling went on, officials said.</p>" * 40_000 + b"</body></html>",
        "title-only.txt": "Only a title and nothing else\n",
        "pathological.md": "---\ntitle: Brackets\n---\n\n" + "[" * 100_000 + "\n\n" + "*_" * 50_000
                           + "\n\nA real sentence survives the brackets, the test says.\n",
        "deep.md": "---\ntitle: Deep\n---\n\n" + "> " * 5000 + "quoted deeply, it said.\n",
        # PyYAML's C loader dies (SIGSEGV) on these; they must be refused before parsing.
        "c-stack-brackets.md": "---\ntitle: " + "[" * 100_000 + "]" * 100_000 + "\n---\n\nBody text, it said.\n",
        "c-stack-dashes.md": "---\ntitle: T\nx: " + "- " * 100_000 + "x\n---\n\nBody text, it said.\n",
        "c-stack-indent.md": "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(300)) + "---\n\nBody, it said.\n",
        "deep-front-matter.md": "---\n# * makes PyYAML use its recursive loader\ntitle: " + "[" * 20_000
                                + "]" * 20_000 + "\n---\n\nBody text here, it said.\n",
    })
    return make_project(root, files)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list, Diagnostics]:
    """The hostile project, read once for the module: (project, articles, diagnostics)."""
    project = hostile_project(tmp_path_factory.mktemp("hostile"))
    before = tree_digest(project.articles_dir)
    started = time.perf_counter()
    articles, diagnostics = read(project)
    assert time.perf_counter() - started < 30
    assert tree_digest(project.articles_dir) == before
    return project, articles, diagnostics


def by_id(articles: list) -> dict:
    return {a.id: a for a in articles}


@pytest.mark.parametrize("name, expected", [
    ("binary.txt", "skipped: binary file"),
    ("controls.md", "skipped: binary file"),
    ("empty.txt", "skipped: empty file"),
    ("whitespace.md", "skipped: empty file"),
    ("huge.txt", "skipped: file larger than 5 MB"),
    ("tag-soup.html", "skipped: page has more than"),
    ("title-only.txt", "skipped: no article text"),
    ("front-matter-only.md", "skipped: no article text"),
    ("unclosed-front-matter.md", "skipped: front matter opened on line 1 is never closed"),
    ("alias-bomb.md", "skipped: front matter: invalid YAML: anchors (&name) are not allowed"),
    ("python-tag.md", "skipped: front matter: invalid YAML"),
    ("not-a-mapping.md", "skipped: front matter must be a mapping"),
    ("deep-front-matter.md", "skipped: front matter: nested too deeply"),
    ("c-stack-brackets.md", "skipped: front matter: nested too deeply"),
    ("c-stack-dashes.md", "skipped: front matter: nested too deeply"),
    ("c-stack-indent.md", "skipped: front matter: nested too deeply"),
    ("invalid-yaml.md", "skipped: front matter: invalid YAML"),
])
def test_bad_files_are_skipped_with_a_warning_naming_them(hostile, name: str, expected: str) -> None:
    _, articles, diagnostics = hostile
    messages = messages_for(diagnostics, name)
    assert any(m.startswith(expected) for m in messages), messages
    assert Path(name).stem not in by_id(articles)


def test_yaml_errors_carry_file_line_and_column(hostile) -> None:
    _, _, diagnostics = hostile
    located = {p.path.rsplit("/", 1)[-1]: p for p in diagnostics.warnings if p.line is not None}
    assert located["alias-bomb.md"].line == 2 and located["alias-bomb.md"].column is not None
    assert located["python-tag.md"].line == 2
    assert located["unclosed-front-matter.md"].line == 1
    assert str(located["invalid-yaml.md"]).startswith("content/articles/invalid-yaml.md:")


def test_good_and_decodable_files_still_make_it(hostile) -> None:
    _, articles, diagnostics = hostile
    found = by_id(articles)
    assert "good" in found
    assert found["bom-crlf"].title == "Title after a BOM"
    assert found["bom-crlf"].text == "First line of the body, officials said.\n\nSecond line."
    assert found["cp1252"].title == "Caf\u00e9 shelled \u2013 \u201cfour dead\u201d"
    assert any("read as Windows-1252" in m for m in messages_for(diagnostics, "cp1252.txt"))
    assert "r\u00edo" in found["latin1"].text
    assert any("read as Latin-1" in m for m in messages_for(diagnostics, "latin1.txt"))
    assert found["utf16"].title == "UTF-16 title"
    assert found["mostly-utf8"].title == "Na\u00efve r\u00e9sum\u00e9 title"
    assert found["mostly-utf8"].text.endswith("A stray \ufffd byte.")
    assert messages_for(diagnostics, "mostly-utf8.txt") == ["invalid UTF-8 at byte 85 (1 byte(s) replaced)"]
    assert found["long-line"].text.endswith("A short last line.")
    assert len(found["long-line"].text) < ingest.MAX_PARAGRAPH_CHARS + 100
    assert any(m.startswith("line longer than") for m in messages_for(diagnostics, "long-line.txt"))
    assert len(found["long-text"].text) < ingest.MAX_TEXT_CHARS * 1.1
    assert messages_for(diagnostics, "long-text.txt") == [
        f"longer than {ingest.MAX_TEXT_CHARS} characters; the rest is left out"]
    assert "pathological" in found and "deep" in found


def test_a_bad_field_is_dropped_and_the_article_kept(hostile) -> None:
    _, articles, diagnostics = hostile
    found = by_id(articles)
    assert found["bad-date"].published is None
    assert found["bad-date"].source == "Example Wire"
    [bad_date] = [p for p in diagnostics.warnings if p.path.endswith("bad-date.md")]
    assert bad_date.line == 4 and "published" in bad_date.message
    words = found["bad-date-words"]
    assert words.published is None and words.url is None
    lines = sorted(p.line for p in diagnostics.warnings if p.path.endswith("bad-date-words.md"))
    assert lines == [3, 4]


def test_markup_in_front_matter_and_body_becomes_plain_text(hostile) -> None:
    _, articles, _ = hostile
    found = by_id(articles)
    injected = found["markup-injection"]
    assert injected.title == "Drone strike reported"
    assert injected.source is None and injected.url is None and injected.author is None
    assert "<" not in injected.text and "javascript:" not in injected.text
    page = found["hostile-page"]
    assert page.url is None
    for needle in ("<script", "alert(", "onload", "onclick", "<iframe", "display: none"):
        assert needle not in page.text and needle not in page.title
    assert "Five people were wounded" in page.text
    assert "{{ 7 * 7 }}" in found["template-injection"].text


def test_every_warning_names_a_file_under_content(hostile) -> None:
    _, _, diagnostics = hostile
    assert diagnostics.warnings
    assert all(p.path.startswith("content/articles/") for p in diagnostics.warnings)
    assert not any(p.path.endswith("README.md") for p in diagnostics.warnings)


def test_python_tag_is_never_executed(hostile) -> None:
    assert not Path("/tmp/briefgen-pwned").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs need a POSIX file system")
def test_symlinks_out_of_the_project_and_special_files_are_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret title\nSecret body, never to be published.\n", encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder" / "inner.txt").write_text(REAL_ARTICLE, encoding="utf-8")
    project = make_project(tmp_path / "project", {"good.txt": REAL_ARTICLE, "notes/inside.txt": REAL_ARTICLE})
    articles_dir = project.articles_dir
    (articles_dir / "escape.txt").symlink_to(outside / "secret.txt")
    (articles_dir / "escape-folder").symlink_to(outside / "folder", target_is_directory=True)
    (articles_dir / "inner-link.txt").symlink_to(articles_dir / "notes" / "inside.txt")
    (articles_dir / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(articles_dir / "pipe.txt")
    before = tree_digest(articles_dir)

    articles, diagnostics = read(project)
    assert [a.id for a in articles] == ["good", "inner-link", "notes/inside"]
    assert all("Secret" not in a.text for a in articles)
    assert messages_for(diagnostics, "escape.txt") == ["skipped: symlink to a file outside the project"]
    assert messages_for(diagnostics, "escape-folder")[0].startswith("skipped: symlink to outside the project")
    assert messages_for(diagnostics, "dangling.txt")[0].startswith("skipped:")
    assert messages_for(diagnostics, "pipe.txt") == ["skipped: not a regular file"]
    assert tree_digest(articles_dir) == before


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need a POSIX file system")
def test_articles_folder_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    make_project(elsewhere, {"a.txt": REAL_ARTICLE})
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "content" / "articles").symlink_to(elsewhere / "content" / "articles", target_is_directory=True)
    articles, diagnostics = read(Project(root))
    assert articles == []
    assert diagnostics.warnings[0].message == "skipped: folder points outside the project"


def test_reading_never_modifies_the_repository_sample(sample_project: Path) -> None:
    before = tree_digest(sample_project / "content" / "articles")
    read(Project(sample_project))
    read(Project(sample_project), jobs=2)
    assert tree_digest(sample_project / "content" / "articles") == before


# --------------------------------------------------------------------------
# Property tests: random files never crash ingest and stay bounded
# --------------------------------------------------------------------------

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=40), st.dates())
front_matter_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=3)
                                   | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=st.dictionaries(st.sampled_from(["title", "source", "url", "published", "author", "id", "slug", "x"]),
                            front_matter_values, max_size=6),
       body=st.text(max_size=300))
def test_random_front_matter_never_crashes(tmp_path_factory, meta: dict, body: str) -> None:
    root = tmp_path_factory.mktemp("fm")
    front = yaml.safe_dump(meta, allow_unicode=True)
    project = make_project(root, {"a.md": f"---\n{front}---\n{body}"})
    articles, diagnostics = read(project)
    for article in articles:
        assert article.id == "a" and article.title and article.text
        assert article.url is None or article.url.startswith(("http://", "https://"))
        assert article.published is None or isinstance(article.published, date)
        assert all(isinstance(v, (str, type(None))) for v in (article.source, article.author))
    if not articles:
        assert any(p.message.startswith("skipped") for p in diagnostics.warnings)
    shutil.rmtree(root)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_random_bytes_never_crash(tmp_path_factory, data: bytes, suffix: str) -> None:
    root = tmp_path_factory.mktemp("bytes")
    project = make_project(root, {f"r{suffix}": data})
    started = time.perf_counter()
    articles, diagnostics = read(project)
    assert time.perf_counter() - started < 5
    assert len(articles) + sum(p.message.startswith("skipped") for p in diagnostics.warnings) == 1
    shutil.rmtree(root)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("-:\n &*!|>'\"[]{}#%@`abc12\t")), max_size=400))
def test_yaml_like_noise_as_front_matter_never_crashes(tmp_path_factory, noise: str) -> None:
    root = tmp_path_factory.mktemp("noise")
    project = make_project(root, {"n.md": f"---\n{noise}\n---\nSome body text here.\n"})
    articles, diagnostics = read(project)
    assert len(articles) + sum(p.message.startswith("skipped") for p in diagnostics.warnings) == 1
    shutil.rmtree(root)


def test_unchanged_files_are_not_read_again_however_the_project_is_named(tmp_path, monkeypatch):
    """The read cache knows a file by its place under content/articles/, not by the
    path the project was given as (``.`` one time, absolute the next)."""
    from briefgen.cache import ShardedMemo

    project = make_project(tmp_path, {"a.txt": "A title\n\nSome text.\n", "b.md": "---\ntitle: B\n---\nBody.\n"})
    memo = ShardedMemo(tmp_path / ".briefgen" / "articles", "v")
    first = read_articles(project, Settings(), Diagnostics(), memo=memo)
    memo.save()
    monkeypatch.chdir(tmp_path)

    def no_reading(*args):
        raise AssertionError("an unchanged file was read again")

    monkeypatch.setattr(ingest, "_read_one", no_reading)
    again = read_articles(Project(Path(".")), Settings(), Diagnostics(),
                          memo=ShardedMemo(tmp_path / ".briefgen" / "articles", "v"))
    assert [a.id for a in again] == [a.id for a in first] == ["a", "b"]


# The fast paths of ingest and furniture give what the plain rules give.

_SENTENCE_END = re.compile(r"[.!?][\s\"'”’)\]»]*$|(?:[\"”’]|'')[.!?]?$")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _is_web_talk_reference(sentence: str) -> bool:
    return furniture._is_web_machinery(sentence) or furniture._pitches_the_page(sentence)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20),
       st.text(alphabet=st.sampled_from(list(".!?\"'”’)]»…“‘( a\n\t\u2028\x85")), max_size=8))
def test_sentence_end_check_agrees_with_its_regex(head: str, tail: str) -> None:
    line = head + tail
    expected = bool(_SENTENCE_END.search(line)) and not furniture._ELLIPSIS_END.search(line)
    assert furniture._is_sentence(line) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\u00a0\u2003\u3000\u200b\u00ad\x0b\x1f\x85\ufeff")), max_size=60))
def test_text_is_normalized_as_line_by_line(text: str) -> None:
    lines = text.split("\n")
    expected = [furniture.normalize_line(furniture._cap(line, furniture.MAX_PARAGRAPH_CHARS * 2)) for line in lines]
    assert furniture._normalize_lines(text, lines) == expected
    assert furniture.normalize_line(text.replace("\n", " ")) == _SPACES.sub(
        " ", furniture._CONTROL_CHARS.sub("", text.replace("\n", " ").translate(furniture._INVISIBLE))).strip()


def _without_web_talk_reference(paragraph: str) -> str:
    """The rule as first written: split each long or suspicious paragraph and test every sentence."""
    if (len(paragraph) <= 400 and not furniture._is_web_machinery(paragraph)
            and not furniture._SECOND_PERSON.search(paragraph)):
        return paragraph
    paragraph = furniture._TRAILING_COPYRIGHT.sub("", paragraph)
    sentences = furniture._split_sentences(paragraph)
    kept = [s for s in sentences if not _is_web_talk_reference(s)]
    if len(kept) == len(sentences):
        return paragraph
    if kept and not furniture._is_sentence(kept[-1]) and furniture._is_ui_label(kept[-1]):
        kept.pop()
    return " ".join(kept)


_PARAGRAPH_PIECES = [
    "Police said the man was arrested.", "You can sign up for our newsletter", "Follow us on Twitter",
    "Copyright 2016 Cox Media Group.", "© 2015 The AP. All rights reserved.", "click here",
    "“You can email us,” she said.", "Share this story:", "It's free!", "İt'S FREE", "COPYRİGHT 2016",
    "the shares rose", "check back later for updates",
    "Like this: Like", "investigators asked for tips", "your account", "Download our app", "More", "Get", ">> Next",
    "• item", "he said.", "A", "here.", "Please sign in to continue", "This story is developing.", "x" * 120,
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PARAGRAPH_PIECES), st.sampled_from([" ", ". ", "", "! ", "\" ", "’ "])),
                max_size=14))
def test_web_talk_is_removed_as_by_the_sentence_by_sentence_rule(pieces: list[tuple[str, str]]) -> None:
    paragraph = furniture.normalize_line("".join(piece + sep for piece, sep in pieces))
    assert furniture._without_web_talk(paragraph) == _without_web_talk_reference(paragraph)


@pytest.mark.parametrize("front, simple", [
    ("title: A plain title\nsource: ajc.com\nurl: http://www.ajc.com:80/news/x/\npublished: '2015-12-05'", True),
    ("title: 'It''s: quoted'", True), ("title: 1 dead, 3 hurt", True), ("title: Q&A on AT&T", True),
    ("title: C# and (c) 2016", True), ("title: x\ntitle: y", True), ("title: 'a''''b'", True),
    ("title: yes", False), ("title: 2015-12-05", False), ("title: 12:30", False), ("title: null", False),
    ("yes: title", False), ("title: foo #tag", False), ("title: a: b", False), ("title: 'unclosed", False),
    ("title: &a x", False), ("title:\ttab", False), ("title: trailing ", False), ("title: x\n  more", False),
    ("title: \"double\"", False), ("title: -1", False), ("title: ~", False), ("title: '''", False), ("", False),
])
def test_simple_front_matter_reads_as_yaml_does(front: str, simple: bool) -> None:
    fast = ingest._simple_front_matter(front)
    assert (fast is not None) == simple
    if fast is not None:
        for loader in {getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader}:
            assert yaml.load(front, Loader=loader) == fast
