"""Read ``content/articles/`` into :class:`~briefgen.models.Article` records.

One reader per file format, chosen by extension (``.txt``, ``.md``/``.markdown``,
``.html``/``.htm``). Every file is untrusted: it may be binary, mis-encoded,
huge, a symlink out of the project or a named pipe. A file that cannot be read
sensibly is skipped with a warning that names it (warnings that skip a file
start with ``"skipped"``, so a build can count them); the rest still make it.
Nothing here ever writes to ``content/``.

Page furniture (share buttons, "Read more" headline lists, copyright lines,
newsletter pitches) is removed by :func:`briefgen.furniture.clean_text`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .cache import Memo, ShardedMemo
from .config import Project, Settings
from .diagnostics import BriefgenError, Diagnostics, Problem, collect
from .furniture import MAX_PARAGRAPH_CHARS, MAX_TEXT_CHARS, clean_text, normalize_line
from .models import Article
from .safeyaml import (
    MAX_YAML_DEPTH,
    NoAliasLoader,
    key_lines,
    load_yaml,
    loader_for,
    too_deep,
    yaml_problem,
)

__all__ = [
    "ARTICLE_EXTENSIONS",
    "MAX_FILE_BYTES",
    "MAX_HTML_TAGS",
    "MAX_PARAGRAPH_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "clean_meta_text",
    "clean_text",
    "clean_title",
    "clean_url",
    "decode_bytes",
    "html_fragment_to_text",
    "html_to_article_fields",
    "looks_like_html",
    "parse_published",
    "parse_text_article",
    "read_articles",
    "split_front_matter",
]

#: Files larger than this are skipped: no real article is this big, and the
#: build must stay bounded whatever lands in the folder.
MAX_FILE_BYTES = 5_000_000
#: Titles longer than this are cut at a word boundary.
MAX_TITLE_CHARS = 300
#: Pages with more tags than this are skipped: extraction time grows with them
#: (a saved news page has a few thousand).
MAX_HTML_TAGS = 60_000
#: Below this many files a process pool costs more than it saves.
POOL_MIN_FILES = 64

ARTICLE_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm")
MARKDOWN_EXTENSIONS = (".md", ".markdown")
HTML_EXTENSIONS = (".html", ".htm")
#: Names that document a folder rather than report news (README.md, readme.txt).
NOT_ARTICLE_STEMS = ("readme", "license", "licence", "changelog")


# --------------------------------------------------------------------------
# Decoding and metadata
# --------------------------------------------------------------------------

#: C0 control characters other than tab, line feed, form feed and carriage return.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


class Unreadable(Exception):
    """A file that cannot be turned into an article; carries the line when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Decode article bytes; return the text and a note when it was not UTF-8.

    UTF-8 (with or without a byte-order mark) first, UTF-16 when a BOM says so,
    then Windows-1252 and finally Latin-1, which scraped news often is. Raises
    :class:`Unreadable` for binary data (NUL bytes, many control characters).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            raise Unreadable("binary file (bad UTF-16)") from None
    if b"\x00" in data:
        raise Unreadable("binary file (contains NUL bytes)")
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(data) // 100):
        raise Unreadable("binary file (too many control characters)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        position = exc.start
    # Mostly UTF-8 with a few broken bytes: replacing those beats turning every
    # accented letter of the article into Windows-1252 mojibake.
    text = data.decode("utf-8-sig", errors="replace")
    broken = text.count("\ufffd")
    well_formed = sum(1 for ch in text if ord(ch) > 127) - broken
    if well_formed >= 4 * broken:
        return text, f"invalid UTF-8 at byte {position} ({broken} byte(s) replaced)"
    try:
        return data.decode("cp1252"), f"not UTF-8 (invalid byte at {position}); read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"not UTF-8 (invalid byte at {position}); read as Latin-1"


def parse_published(value: Any) -> date | None:
    """An ISO date or date-time (or a YAML date) as a date; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?", text):
            return datetime.fromisoformat(text).date()
    raise ValueError(f"not an ISO date (YYYY-MM-DD): {str(value)[:40]!r}")


def clean_url(value: Any) -> str | None:
    """An http(s) URL without spaces or control characters, or None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f<>\"]+", url, re.IGNORECASE) or len(url) > 2000:
        return None
    return url


def clean_meta_text(value: Any) -> str | None:
    """A short metadata string (publisher, author): text, or a list of texts joined."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = ", ".join(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = clean_title(value)
    return text or None


# --------------------------------------------------------------------------
# Readers, one per format. Each returns the fields of an Article and reports
# problems through ``report(message, line)``.
# --------------------------------------------------------------------------

Report = Callable[..., None]


@dataclass
class _Fields:
    title: str = ""
    text: str = ""
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None


def _long_lines(text: str) -> list[int]:
    """1-based numbers of lines longer than a paragraph may be (they get cut)."""
    if len(text) <= MAX_PARAGRAPH_CHARS:
        return []
    numbers = []
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_PARAGRAPH_CHARS:
            numbers.append(number)
    return numbers


def _read_txt(text: str, shown: str, report: Report) -> _Fields:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            return _Fields(title=clean_title(line), text=clean_text("\n".join(lines[index + 1:])))
    return _Fields()


_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``---`` front matter from a Markdown body.

    Returns (front matter or None, body, line number where the body starts).
    Raises ValueError when front matter is opened but never closed.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index][:3] in ("---", "...") and _FENCE.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    raise ValueError("front matter opened on line 1 is never closed (no closing '---' line)")


_HTML_TAG = re.compile(r"<(p|br|div|span|a|b|i|em|strong|img|ul|ol|li|h[1-6]|figure|blockquote|table|tr|td"
                       r"|script|style|iframe|svg|math|object|embed|form|input|link|meta|video|audio|noscript"
                       r"|html|head|body|article|section|template)\b[^>]{0,2000}>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """Holds HTML tags (a feed's or an export's body, raw HTML in Markdown)."""
    head = text[:100_000]
    return "<" in head and _HTML_TAG.search(head) is not None


def html_fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed's content, an export's body): blocks become paragraphs."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, TypeError, lxml.etree.LxmlError):  # garbage: drop anything tag-like
        return re.sub(r"<[^>]{0,2000}>", " ", fragment)
    for element in list(root.iter("script", "style", "noscript", "iframe", "object", "template")):
        if element.getparent() is not None:
            element.drop_tree()
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    blocks = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption",
              "tr", "section", "article", "header", "footer", "ul", "ol", "pre", "table"}
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in blocks:
            element.tail = "\n\n" + (element.tail or "")
            if element.text is not None or len(element):
                element.text = "\n\n" + (element.text or "")
    return root.text_content()


def clean_title(title: str) -> str:
    """One line, normalized, at most MAX_TITLE_CHARS (cut at a word boundary)."""
    if "<" in title and looks_like_html(title):
        title = html_fragment_to_text(title)
    title = normalize_line(unicodedata.normalize("NFC", title.replace("\n", " ").replace("\r", " ")))
    if len(title) > MAX_TITLE_CHARS:
        cut = title.rfind(" ", 0, MAX_TITLE_CHARS)
        title = title[: cut if cut > MAX_TITLE_CHARS // 2 else MAX_TITLE_CHARS].rstrip()
    return title


_MARKDOWN_BLOCK = re.compile(r"^(#{1,6}\s+|>\s?|[-*+]\s+)")
# Inline links and images, reduced to their text (bounded, so "[[[[…" stays linear).
_MARKDOWN_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\s]{0,2000}\)")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]{1,500})\]\((?:[^()\s]{0,2000}|[^()\s]{0,1000}\([^()\s]{0,500}\)[^()\s]{0,500})\)")
#: A backslash before a block marker (or a backslash) keeps it as text: "\\- 5 killed" reads "- 5 killed".
_ESCAPED_MARKER = re.compile(r"^\\(?=[#>*+\\-])")
_CLOSING_HASHES = re.compile(r"\s+#+$")
#: First characters of the lines _MARKDOWN_BLOCK can match (the others need no regex).
_BLOCK_STARTS = frozenset("#>-*+")


def _markdown_to_lines(body: str) -> str:
    """Plain text of a Markdown body: soft-wrapped lines joined, block markers dropped.

    Only the markers a news text uses (headings, quotes, bullets); inline text
    is kept verbatim so quotes still match the file.
    """
    if looks_like_html(body):
        body = html_fragment_to_text(body)
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in body.split("\n"):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        first = line[0]
        if first == "\\" and _ESCAPED_MARKER.match(line):
            current.append(line[1:])
            continue
        marker = _MARKDOWN_BLOCK.match(line) if first in _BLOCK_STARTS else None
        if marker:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            line = line[marker.end():].strip()
            if marker.group(1).startswith("#"):
                line = _CLOSING_HASHES.sub("", line)  # closing hashes: "## Heading ##"
            if not line:
                continue
        current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(_without_link_markup(p) for p in paragraphs)


def _without_link_markup(paragraph: str) -> str:
    """Links reduced to their text, images dropped; both need a "](" to match."""
    if "](" not in paragraph:
        return paragraph
    return _MARKDOWN_LINK.sub(r"\1", _MARKDOWN_IMAGE.sub("", paragraph))


class _TextDatesLoader(NoAliasLoader):
    """The no-alias safe loader, keeping timestamps as text so a bad date is one field's problem."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in NoAliasLoader.yaml_implicit_resolvers.items()
}


#: Front matter nested deeper than this is refused before parsing (see safeyaml).
MAX_FRONT_MATTER_DEPTH = MAX_YAML_DEPTH


#: ``key: value`` on one line, as most front matter is written.
_SIMPLE_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,63}): (.+)")
#: Longer front matter always goes to the YAML parser (this also keeps it far below its size limit).
_SIMPLE_FRONT_MAX_CHARS = 20_000


@functools.lru_cache(maxsize=256)
def _key_reads_as_text(key: str, loader: type) -> bool:
    """_reads_as_text for a key: front matter repeats a few keys in every file."""
    return _reads_as_text(key, loader)


def _reads_as_text(plain: str, loader: type) -> bool:
    """A plain (unquoted) YAML scalar that the loader's resolver leaves a string (not a
    number, date, boolean or null)."""
    resolvers = loader.yaml_implicit_resolvers
    return not any(regexp.match(plain) for _tag, regexp in resolvers.get(plain[0], []) + resolvers.get(None, []))


def _simple_front_matter(front: str) -> dict[str, str] | None:
    """Front matter made only of ``key: text`` lines, read without the YAML parser, whose
    composing and constructing cost more than the rest of reading a short article.

    The values are plain scalars that YAML reads as text or single-quoted strings,
    so the result is what the YAML loader gives; anything else returns None.
    """
    if len(front) > _SIMPLE_FRONT_MAX_CHARS:
        return None
    loader = loader_for(front)
    if loader.yaml_path_resolvers:
        return None
    data: dict[str, str] = {}
    for line in front.split("\n"):
        match = _SIMPLE_FIELD.fullmatch(line)
        if match is None or not line.isprintable():  # also no tabs, line or paragraph separators
            return None
        key, value = match.groups()
        if not _key_reads_as_text(key, loader):  # "yes: 1" has a boolean key
            return None
        if value[0] == "'":
            inner = value[1:-1]
            if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", ""):
                return None
            value = inner.replace("''", "'")
        elif not ((value[0].isalnum() or value[0] in "($") and value[-1] not in " :"
                  and ": " not in value and " #" not in value and _reads_as_text(value, loader)):
            return None  # indicators, comments, nested mappings, numbers, dates...
        data[key] = value
    return data


def _load_front_matter(front: str, shown: str) -> Any:
    """Parse front matter safely; an impossible date (2020-02-31) stays text for a field warning."""
    if too_deep(front):
        raise RecursionError("front matter nested too deeply")
    simple = _simple_front_matter(front)
    if simple is not None:
        return simple
    try:
        return load_yaml(front, shown, line_offset=1)
    except BriefgenError as exc:
        if not exc.problems[0].message.startswith("invalid value"):
            raise
    import yaml  # only on this rare path: dates YAML itself could not build

    try:
        return yaml.load(front, Loader=_TextDatesLoader)  # a safe, no-alias loader
    except yaml.YAMLError as exc:
        raise BriefgenError(yaml_problem(exc, shown, 1)) from None


class _KeyLines:
    """File line of each front-matter key, worked out only when a warning needs one
    (finding them takes PyYAML's slow pure-Python composer)."""

    def __init__(self, front: str):
        self._front = front
        self._lines: dict[str, int] | None = None

    def get(self, key: str) -> int | None:
        if self._lines is None:
            try:
                self._lines = {k: v + 1 for k, v in key_lines(self._front).items()}  # +1: the opening ---
            except RecursionError:
                self._lines = {}
        return self._lines.get(key)


def _read_markdown(text: str, shown: str, report: Report) -> _Fields:
    try:
        front, body, _ = split_front_matter(text)
    except ValueError as exc:
        raise Unreadable(str(exc), 1) from None
    meta: dict[str, Any] = {}
    if front is not None:
        try:
            data = _load_front_matter(front, shown)
        except BriefgenError as exc:
            problem = exc.problems[0]
            raise Unreadable(f"front matter: {problem.message}", problem.line, problem.column) from None
        except RecursionError:  # "[[[[…" thousands deep: the pure-Python YAML loader recurses
            raise Unreadable("front matter: nested too deeply", 2) from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise Unreadable("front matter must be a mapping of field: value", 2)
        meta = {str(k): v for k, v in data.items()}
    lines = _KeyLines(front or "")

    fields = _Fields()
    plain = _markdown_to_lines(body)
    title = meta.get("title")
    cleaned = clean_title(str(title)) if isinstance(title, (str, int, float)) and not isinstance(title, bool) else ""
    if cleaned:
        fields.title = cleaned
        fields.text = clean_text(plain)
    else:
        if "title" in meta:
            report("front matter 'title' must be text; using the first line of the body", lines.get("title"))
        first, _, rest = plain.strip().partition("\n")
        fields.title = clean_title(first)
        fields.text = clean_text(rest)

    for name in ("source", "author"):
        if meta.get(name) is not None:
            value = clean_meta_text(meta[name])
            if value is None:
                report(f"front matter '{name}' must be text; ignored", lines.get(name))
            setattr(fields, name, value)
    if meta.get("url") is not None:
        fields.url = clean_url(meta["url"])
        if fields.url is None:
            report("front matter 'url' is not an http(s) URL; ignored", lines.get("url"))
    if meta.get("published") is not None:
        try:
            fields.published = parse_published(meta["published"])
        except ValueError as exc:
            report(f"front matter 'published': {exc}; ignored", lines.get("published"))
    return fields


#: htmldate settings: only dates the page states, a fixed upper bound so the
#: result does not depend on when the build runs.
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "max_date": "2100-12-31"}


def html_to_article_fields(html: str | bytes) -> dict[str, Any]:
    """Main text and metadata of a saved web page, via trafilatura; plain text only.

    Returns ``title``, ``text`` (cleaned), ``source``, ``url``, ``published``
    (a date or None) and ``author``; any of the metadata may be None.
    """
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, date_extraction_params=dict(_DATE_PARAMS),
    )
    if document is None:
        return {"title": "", "text": "", "source": None, "url": None, "published": None, "author": None}
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    published = None
    if data.get("date"):
        try:
            published = parse_published(str(data["date"]))
        except ValueError:
            published = None
    title = clean_title(str(data.get("title") or ""))
    text = clean_text(str(data.get("text") or ""))
    first, _, rest = text.partition("\n\n")
    if title and first.casefold() == title.casefold():
        text = rest  # the page's own headline, repeated as its first paragraph
    return {
        "title": title,
        "text": text,
        "source": clean_meta_text(data.get("sitename")),
        "url": clean_url(data.get("url")),
        "published": published,
        "author": clean_meta_text(data.get("author")),
    }


def parse_text_article(text: str, shown: str, markdown: bool, report: Report) -> _Fields:
    """Title, cleaned text and metadata of a decoded ``.txt`` or ``.md`` article.

    Raises :class:`Unreadable` for broken front matter; reports field problems.
    """
    return (_read_markdown if markdown else _read_txt)(text, shown, report)


def _read_html(data: bytes, shown: str, report: Report) -> _Fields:
    try:
        extracted = html_to_article_fields(data)
    except Exception as exc:  # noqa: BLE001 - a third-party extractor on hostile input must not stop the build
        raise Unreadable(f"cannot extract the page's text ({type(exc).__name__})") from None
    fields = _Fields(**extracted)
    if not fields.title and fields.text:
        first, _, rest = fields.text.partition("\n\n")
        fields.title, fields.text = clean_title(first), rest
    return fields


# --------------------------------------------------------------------------
# Walking the folder and reading one file
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    article_id: str
    path: str  # the file as found (maybe a symlink); a Path only for files read
    shown: str  # path relative to the project root, "/"-separated
    cache_key: str | None = None  # path, size, mtime and inode; None: always re-read


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _find_candidates(project: Project, diagnostics: Diagnostics) -> list[_Candidate]:
    """Article files in sorted order; symlinks out of the project and odd files reported.

    Walks with ``os.scandir``, whose entries carry what a listing already
    knows, so finding 100,000 unchanged files costs little more than listing them.
    """
    root = project.root.resolve()
    articles_dir = project.articles_dir
    if not articles_dir.is_dir():
        return []
    if not _within(articles_dir.resolve(), root):
        diagnostics.warn(_shown(project, articles_dir), "skipped: folder points outside the project")
        return []
    shown_root = _shown(project, articles_dir)
    candidates: list[_Candidate] = []

    def walk(folder: str, relative_folder: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            return  # an unreadable folder holds nothing we can read
        subfolders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue  # hidden folders, editor backups, .DS_Store: not articles
            relative = relative_folder + name
            if entry.is_symlink():
                if entry.is_dir():
                    sub = Path(entry.path)
                    where = "outside the project" if not _within(sub.resolve(), root) else "a folder"
                    diagnostics.warn(f"{shown_root}/{relative}",
                                     f"skipped: symlink to {where} (links to folders are not followed)")
                    continue
            elif entry.is_dir():
                subfolders.append(entry)
                continue
            stem, dot, suffix = name.rpartition(".")
            if not dot or not stem or f".{suffix.lower()}" not in ARTICLE_EXTENSIONS:
                continue  # notes in other formats: not articles
            if stem.lower() in NOT_ARTICLE_STEMS:
                continue
            shown = f"{shown_root}/{relative}"
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:  # undecodable bytes in the name: no id can be written anywhere
                printable = os.fsencode(shown).decode("utf-8", "backslashreplace")
                diagnostics.warn(printable, "skipped: file name is not valid UTF-8 (rename the file)")
                continue
            candidates.append(_Candidate(relative[: -len(suffix) - 1], entry.path, shown,
                                         _cache_key(entry, relative)))
        for entry in subfolders:
            walk(entry.path, f"{relative_folder}{entry.name}/")

    walk(str(articles_dir), "")
    candidates.sort(key=lambda c: c.shown)
    return candidates


def _cache_key(entry: os.DirEntry, relative: str) -> str | None:
    """A file's identity for the read cache: its path under the articles folder (however
    the project was named on the command line), size, mtime and inode (None: uncachable)."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None  # links, pipes: always re-checked
    return f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}"


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return str(path)


#: Opening never follows a link swapped in after the checks, and never blocks on a pipe.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_bytes(candidate: _Candidate, root: Path) -> bytes:
    """The file's bytes, refusing links out of the project, non-files and huge files."""
    path = Path(candidate.path)
    if path.is_symlink():
        path = path.resolve()  # read the checked target itself, not the link
        if not _within(path, root):
            raise Unreadable("symlink to a file outside the project")
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise Unreadable(f"file larger than {MAX_FILE_BYTES // 1_000_000} MB")
        try:
            # Asking for the file's size rather than the limit saves allocating 5 MB per file;
            # a file grown since fstat is read on up to the limit.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
        except OSError as exc:
            raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"file larger than {MAX_FILE_BYTES // 1_000_000} MB")
    return data


def _read_one(candidate: _Candidate, root: Path) -> tuple[Article | None, list[Problem]]:
    """Read one file; never raises for bad content. Problems come back in file order."""
    problems: list[Problem] = []
    shown = candidate.shown

    def report(message: str, line: int | None = None, column: int | None = None) -> None:
        problems.append(Problem(shown, message, line, column))

    try:
        data = _read_bytes(candidate, root)
        if not data.strip():
            raise Unreadable("empty file")
        digest = hashlib.sha256(data).hexdigest()
        suffix = Path(candidate.path).suffix.lower()
        if suffix in HTML_EXTENSIONS:
            if b"\x00" in data:
                raise Unreadable("binary file (contains NUL bytes)")
            if data.count(b"<") > MAX_HTML_TAGS:
                raise Unreadable(f"page has more than {MAX_HTML_TAGS} tags (too large to extract)")
            fields = _read_html(data, shown, report)
        else:
            text, note = decode_bytes(data)
            if note:
                report(note)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            for number in _long_lines(text):
                report(f"line longer than {MAX_PARAGRAPH_CHARS} characters; cut", number)
            if len(text) > MAX_TEXT_CHARS:
                report(f"longer than {MAX_TEXT_CHARS} characters; the rest is left out")
            reader = _read_markdown if suffix in MARKDOWN_EXTENSIONS else _read_txt
            fields = reader(text, shown, report)
    except Unreadable as exc:
        report(f"skipped: {exc.message}", exc.line, exc.column)
        return None, problems
    if not fields.title:
        report("skipped: no title (and no text to take one from)")
        return None, problems
    if not fields.text:
        report("skipped: no article text after the title")
        return None, problems
    article = Article(
        id=candidate.article_id, path=shown, title=fields.title, text=fields.text,
        source=fields.source, url=fields.url, published=fields.published,
        author=fields.author, digest=digest,
    )
    return article, problems


def _pool_read(args: tuple[_Candidate, Path]) -> tuple[Article | None, list[Problem]]:
    return _read_one(*args)


def read_articles(project: Project, settings: Settings, diagnostics: Diagnostics,
                  jobs: int = 1, memo: Memo | ShardedMemo | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Article]:
    """Every readable article under ``content/articles/``, sorted by id.

    - Formats by extension: ``.txt`` (first non-empty line is the title),
      ``.md``/``.markdown`` (YAML front matter ``title``, ``source``, ``url``,
      ``published``, ``author``; other keys such as ``id`` or ``slug`` are
      ignored: an id comes only from the file's path), ``.html``/``.htm``.
      Other files, hidden files and ``README.*`` are not articles and are
      passed over quietly.
    - Two files with the same id (``a.txt`` and ``a.md``, or ids differing
      only in case, which collide on case-insensitive disks): the first
      readable one in sorted path order is kept, the other skipped with a
      warning naming both. Keeping one (rather than neither) keeps the
      briefing that cites the id; the warning makes ``--strict`` fail.
    - Skipped with a warning: binary, empty or over-size files (5 MB; pages
      with more than 60,000 tags), pipes and devices, symlinks out of the
      project (links to folders are never followed), unclosed, invalid or
      too deeply nested front matter, files with no text after the title.
      Non-UTF-8 text is decoded (a few bad bytes replaced, or the whole file
      read as Windows-1252/Latin-1) with a warning; lines over 20,000 and
      texts over 400,000 characters are cut with a warning; a bad date, URL
      or publisher drops that field only, with a warning at its line.
    - ``jobs > 1`` reads files in worker processes when there are enough of
      them to pay for it; results and warnings keep the same order.
    - ``memo``: results (article and warnings) of files whose path, size,
      modification time and inode are unchanged are reused, not re-read.
    - ``progress(done, total)`` is told as files are read.
    """
    del settings  # every ingest option is fixed; the argument keeps the stage signature uniform
    root = project.root.resolve()
    candidates = _find_candidates(project, diagnostics)
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    keys = [c.cache_key for c in candidates]
    cached = [memo.get(key) if memo is not None and key else None for key in keys]
    todo = [c for c, hit in zip(candidates, cached) if hit is None]
    fresh: list[tuple[Article | None, list[Problem]]] | None = None
    if jobs > 1 and len(todo) >= POOL_MIN_FILES:
        try:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                fresh = collect(pool.map(_pool_read, [(c, root) for c in todo], chunksize=16),
                              len(todo), progress)
        except (OSError, BrokenProcessPool):  # no process support here: read them in this process
            fresh = None
    if fresh is None:
        fresh = collect((_read_one(c, root) for c in todo), len(todo), progress)
    fresh_results = iter(fresh)
    results = [hit if hit is not None else next(fresh_results) for hit in cached]
    if memo is not None:
        for key, hit, result in zip(keys, cached, results):
            if key and hit is None:
                memo.put(key, result)

    articles: dict[str, Article] = {}
    first_path: dict[str, str] = {}
    for candidate, (article, problems) in zip(candidates, results):
        for problem in problems:
            diagnostics.warnings.append(problem)
        if article is None:
            continue
        key = article.id.casefold()
        if key in first_path:
            diagnostics.warn(candidate.shown, f"skipped: same article id as {first_path[key]} "
                                              f"(ids come from the path without extension; rename one)")
            continue
        first_path[key] = candidate.shown
        articles[article.id] = article
    return [articles[i] for i in sorted(articles)]
