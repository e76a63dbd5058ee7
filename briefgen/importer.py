"""``briefgen import``: bring articles in from the files a news desk has.

Saved web pages, JSON Lines (or a JSON array) and CSV/TSV exports, RSS 2.0 and
Atom feeds, plain text and Markdown; from files, folders or standard input.
Each article becomes one ``content/articles/<slug>.md`` with YAML front matter
that :mod:`briefgen.ingest` reads back unchanged. Existing files are never
overwritten, and a report that is already there (same URL, or same text once
page furniture is removed) is skipped with the reason, whether it was imported
before or appears twice in one batch.

Feeds are parsed with the standard library: ``defusedxml`` is not a
dependency, so the XML is first scanned with expat and refused if it declares
entities (the "billion laughs" expansion and external entities both need a
declaration); only then does ElementTree build the tree.
"""

from __future__ import annotations

import csv
import email.utils
import io
import json
import os
import re
import sys
import tempfile
import unicodedata
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.etree import ElementTree

import yaml

from . import ingest
from .config import Project, Settings
from .diagnostics import BriefgenError, Diagnostics, Problem

__all__ = ["FORMATS", "ImportReport", "Record", "Skipped", "import_files", "normalize_url", "render_article",
           "slugify", "sniff_format", "text_fingerprint"]

#: Formats ``--format`` accepts, and the extensions that imply them.
FORMATS = ("html", "jsonl", "csv", "tsv", "feed", "txt", "md")
_FORMAT_ALIASES = {"htm": "html", "json": "jsonl", "ndjson": "jsonl", "rss": "feed", "atom": "feed",
                   "xml": "feed", "text": "txt", "markdown": "md"}
_EXTENSION_FORMATS = {
    ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".rss": "feed", ".atom": "feed", ".xml": "feed",
    ".txt": "txt", ".md": "md", ".markdown": "md",
}
#: One input larger than this is refused: exports of a few thousand reports are far smaller.
MAX_INPUT_BYTES = 200_000_000
#: Texts shorter than this many words are duplicates only with the same title
#: too: two different one-line reports may well read the same.
MIN_DUPLICATE_WORDS = 12
#: Longest slug (file name without ``.md``).
MAX_SLUG_CHARS = 60

STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class Skipped:
    """A record that was not written, and why."""

    source: str  # "feed.xml#3": the input and the record's position in it
    title: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source} ({self.title or 'untitled'}): {self.reason}"


@dataclass
class ImportReport:
    """What one import did."""

    written: list[Path] = field(default_factory=list)  # new files, in the order written
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"imported {len(self.written)} article(s), skipped {len(self.skipped)}"]
        lines += [f"  skipped {skipped}" for skipped in self.skipped]
        return "\n".join(lines)


@dataclass
class Record:
    """One article as found in an input, before it is written."""

    origin: str  # where it came from, for messages
    title: str = ""
    text: str = ""
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None


# --------------------------------------------------------------------------
# Column and field names
# --------------------------------------------------------------------------

#: Field -> accepted column/key names, normalized (lower case, no "_", "-" or spaces).
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading"),
    "text": ("text", "body", "content", "article", "fulltext", "articletext", "articlebody", "story",
             "maintext", "description", "summary"),
    "source": ("source", "publisher", "site", "sitename", "outlet", "publication", "sourcename",
               "domain", "newspaper", "media"),
    "url": ("url", "link", "href", "permalink", "canonicalurl", "sourceurl", "articleurl", "uri"),
    "published": ("published", "date", "pubdate", "publishedat", "publishdate", "publicationdate",
                  "datepublished", "publishedon", "created", "createdat", "datetime", "time"),
    "author": ("author", "authors", "byline", "creator", "by", "writer"),
}


def _norm_key(key: Any) -> str:
    return re.sub(r"[\s_\-.]+", "", str(key).lower())


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value among the aliases, in alias order."""
    keys = {_norm_key(k): v for k, v in row.items()}
    for name in names:
        value = keys.get(name)
        if isinstance(value, dict):  # {"source": {"id": ..., "name": "Reuters"}} (NewsAPI)
            value = value.get("name") or value.get("title")
        if isinstance(value, str) and not value.strip():
            continue
        if value not in (None, [], {}):
            return value
    return None


def _parse_date(value: Any) -> date:
    """ISO dates and date-times, and the RFC 822 dates of RSS; ValueError otherwise."""
    try:
        return ingest.parse_published(value)
    except ValueError:
        if not isinstance(value, str):
            raise
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise ValueError(f"not a date: {value[:40]!r} (use YYYY-MM-DD)")
    return parsed.date()


def _record_from_mapping(row: dict[str, Any], origin: str, report: Any, line: int | None = None,
                         label: str = "") -> Record:
    """Map a JSON object or CSV row onto a Record, by column aliases.

    Field problems are reported at ``line`` when the input has lines (JSON
    Lines, CSV), else with ``label`` ("item 3: ") naming the record.
    """
    record = Record(origin=origin)
    title = _pick(row, _ALIASES["title"])
    text = _pick(row, _ALIASES["text"])
    record.title = ingest.clean_title(str(title)) if isinstance(title, (str, int, float)) else ""
    if isinstance(text, list):
        text = "\n\n".join(str(t) for t in text if isinstance(t, (str, int, float)))
    if isinstance(text, (str, int, float)):
        text = str(text)
        record.text = ingest.clean_text(ingest.html_fragment_to_text(text) if ingest.looks_like_html(text) else text)
    for name in ("source", "author"):
        value = _pick(row, _ALIASES[name])
        if value is not None:
            setattr(record, name, ingest.clean_meta_text(value))
    url = _pick(row, _ALIASES["url"])
    if url is not None:
        record.url = ingest.clean_url(url)
        if record.url is None:
            report(f"{label}'url' is not an http(s) URL; left out", line)
    published = _pick(row, _ALIASES["published"])
    if published is not None:
        try:
            record.published = _parse_date(published)
        except ValueError as exc:
            report(f"{label}'published' {exc}; left out", line)
    return record


# --------------------------------------------------------------------------
# Readers, one per input format; each yields Records and reports problems.
# --------------------------------------------------------------------------


def _decode(data: bytes, report: Any) -> str:
    text, note = ingest.decode_bytes(data)
    if note:
        report(note)
    return text


def _read_jsonl(data: bytes, name: str, report: Any) -> Iterator[Record]:
    text = _decode(data, report)
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array of objects
        try:
            rows = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            report(f"not valid JSON: {exc}", getattr(exc, "lineno", None))
            return
        for index, row in enumerate(rows if isinstance(rows, list) else [], 1):
            if isinstance(row, dict):
                yield _record_from_mapping(row, f"{name}#{index}", report, label=f"item {index}: ")
            else:
                report(f"item {index} is not an object; skipped")
        return
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            report(f"line {number} is not valid JSON ({getattr(exc, 'msg', exc)}); skipped", number)
            continue
        if not isinstance(row, dict):
            report(f"line {number} is not a JSON object; skipped", number)
            continue
        yield _record_from_mapping(row, f"{name}:{number}", report, line=number)


def _read_csv(data: bytes, name: str, report: Any, delimiter: str | None = None) -> Iterator[Record]:
    text = _decode(data, report)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if delimiter is None:
        header = text.split("\n", 1)[0]
        counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(max(previous_limit, ingest.MAX_FILE_BYTES))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        known = {alias for aliases in _ALIASES.values() for alias in aliases}
        if not reader.fieldnames or not any(_norm_key(f) in known for f in reader.fieldnames):
            report("no known column in the header (expected e.g. title, text, source, url, published)", 1)
            return
        try:
            first_line = reader.line_num + 1
            for row in reader:
                clean = {k: v for k, v in row.items() if k is not None}
                yield _record_from_mapping(clean, f"{name}:{first_line}", report, line=first_line)
                first_line = reader.line_num + 1
        except csv.Error as exc:
            report(f"malformed CSV near line {reader.line_num}: {exc}; rest of the file skipped", reader.line_num)
    finally:
        csv.field_size_limit(previous_limit)


class _EntitiesRefused(ValueError):
    pass


def _refuse_entities(*_args: Any) -> None:
    raise _EntitiesRefused("the XML declares entities, which are refused (entity expansion attacks)")


def _parse_xml_safely(data: bytes) -> ElementTree.Element:
    """Parse XML with no entity declarations and no external references."""
    scanner = xml.parsers.expat.ParserCreate()
    scanner.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    scanner.EntityDeclHandler = _refuse_entities
    scanner.UnparsedEntityDeclHandler = _refuse_entities
    scanner.ExternalEntityRefHandler = _refuse_entities  # type: ignore[assignment]
    scanner.Parse(data, True)
    return ElementTree.fromstring(data)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(element: ElementTree.Element, *names: str) -> ElementTree.Element | None:
    for name in names:
        for child in element:
            if _local(child.tag) == name:
                return child
    return None


def _child_text(element: ElementTree.Element, *names: str) -> str | None:
    child = _child(element, *names)
    if child is None:
        return None
    text = "".join(child.itertext()).strip()
    return text or None


def _read_feed(data: bytes, name: str, report: Any) -> Iterator[Record]:
    try:
        root = _parse_xml_safely(data)
    except (_EntitiesRefused, xml.parsers.expat.ExpatError, ElementTree.ParseError, RecursionError) as exc:
        line = getattr(exc, "lineno", None) or (getattr(exc, "position", None) or (None,))[0]
        report(f"not a readable feed: {exc}", line)
        return
    kind = _local(root.tag)
    if kind == "rss" or kind == "rdf":
        channel = _child(root, "channel")
        publisher = _child_text(channel, "title") if channel is not None else None
        items = [e for e in (channel if channel is not None and kind == "rss" else root) if _local(e.tag) == "item"]
    elif kind == "feed":
        publisher = _child_text(root, "title")
        items = [e for e in root if _local(e.tag) == "entry"]
    else:
        report(f"not an RSS or Atom feed (root element <{kind}>)")
        return
    for index, item in enumerate(items, 1):
        try:
            yield _feed_record(item, index, name, publisher, report)
        except RecursionError:  # itertext() recurses: an item nested thousands deep
            report(f"item {index} is nested too deeply; skipped")


def _feed_record(item: ElementTree.Element, index: int, name: str, publisher: str | None, report: Any) -> Record:
    """One RSS item or Atom entry as a Record."""
    row: dict[str, Any] = {
        "title": _child_text(item, "title"),
        "text": _child_text(item, "encoded", "content", "description", "summary"),
        "author": _child_text(item, "creator", "author"),
        "published": _child_text(item, "pubdate", "published", "date", "updated", "issued"),
        "source": _child_text(item, "source") or publisher,
    }
    author = _child(item, "author")
    if author is not None and _child_text(author, "name"):
        row["author"] = _child_text(author, "name")
    link = None
    for child in item:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href and child.get("rel", "alternate") == "alternate":
            link = href
            break
        if not href and (child.text or "").strip():
            link = child.text.strip()
            break
    row["url"] = link or _child_text(item, "guid", "id")
    if row["url"] and not str(row["url"]).lower().startswith(("http://", "https://")):
        row["url"] = link  # a guid or tag: id that is not a link is not a URL
    return _record_from_mapping(row, f"{name}#{index}", report, label=f"item {index}: ")


def _read_html_page(data: bytes, name: str, report: Any) -> Iterator[Record]:
    if data.count(b"<") > ingest.MAX_HTML_TAGS:
        report(f"skipped: page has more than {ingest.MAX_HTML_TAGS} tags (too large to extract)")
        return
    fields = ingest.html_to_article_fields(data)
    record = Record(origin=name, **fields)
    if not record.title and record.text:
        first, _, rest = record.text.partition("\n\n")
        record.title, record.text = ingest.clean_title(first), rest
    yield record


def _read_text_file(data: bytes, name: str, report: Any, markdown: bool) -> Iterator[Record]:
    text = _decode(data, report).replace("\r\n", "\n").replace("\r", "\n")
    try:
        fields = ingest.parse_text_article(text, name, markdown, report)
    except ingest.Unreadable as exc:
        report(exc.message, exc.line, exc.column)
        return
    yield Record(origin=name, title=fields.title, text=fields.text, source=fields.source,
                 url=fields.url, published=fields.published, author=fields.author)


# --------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------


def _normalize_format(fmt: str) -> str:
    name = fmt.lower().lstrip(".")
    name = _FORMAT_ALIASES.get(name, name)
    if name not in FORMATS:
        choices = ", ".join(FORMATS)
        raise BriefgenError(Problem("--format", f"unknown format '{fmt}' (choose one of: {choices})"))
    return name


def sniff_format(data: bytes) -> str:
    """Guess an input's format from its first bytes (for standard input and odd names)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        if re.search(rb"<(rss|feed|rdf:rdf)\b", head):
            return "feed"
        return "html" if b"<html" in head else "feed"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or (
            head.startswith(b"<") and re.search(rb"<(p|div|article|body)\b", head)):
        return "html"
    if head.startswith((b"{", b"[")):
        return "jsonl"
    if head.startswith(b"---"):
        return "md"
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    known = {alias for aliases in _ALIASES.values() for alias in aliases}
    for delimiter in (",", "\t", ";"):
        columns = [_norm_key(c.strip().strip('"')) for c in first_line.split(delimiter)]
        if len(columns) > 1 and sum(c in known for c in columns) >= 2:
            return "tsv" if delimiter == "\t" else "csv"
    return "txt"


# --------------------------------------------------------------------------
# Duplicates, names and writing
# --------------------------------------------------------------------------

_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|cmpid|ocid|ref|rss|ito)$", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """A URL's identity: scheme and host case, ``www.``, default ports, trackers, fragment, slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING_PARAMS.match(k)))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("http", netloc, path, query, ""))


def text_fingerprint(text: str) -> str:
    """Normalized text for "same text" checks: case, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", folded))


def slugify(title: str) -> str:
    """A file-name-safe slug: ASCII letters, digits and hyphens only (never a path)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        cut = slug.rfind("-", 0, MAX_SLUG_CHARS + 1)
        slug = slug[: cut if cut >= MAX_SLUG_CHARS // 2 else MAX_SLUG_CHARS].strip("-")
    return slug or "article"


def _escape_markdown(paragraph: str) -> str:
    """Keep a paragraph that starts like a Markdown block marker as plain text."""
    return "\\" + paragraph if re.match(r"^(#{1,6}\s|>|[-*+]\s|\\[#>*+\\-])", paragraph) else paragraph


def render_article(record: Record) -> str:
    """The ``.md`` file for a record: YAML front matter (every field, null when unknown), then the text."""
    meta = {
        "title": record.title,
        "source": record.source,
        "url": record.url,
        "published": record.published,
        "author": record.author,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    body = "\n\n".join(_escape_markdown(p) for p in record.text.split("\n\n") if p)
    return f"---\n{front}---\n\n{body}\n"


class _Seen:
    """URLs, texts and names already taken, by existing articles and by this batch."""

    def __init__(self, project: Project):
        self.urls: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.names: set[str] = set()
        articles_dir = project.articles_dir
        if articles_dir.is_dir():
            for folder, dirnames, filenames in os.walk(articles_dir, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    path = Path(folder) / name
                    if Path(folder) == articles_dir:
                        self.names.add(path.stem.casefold())
            existing = ingest.read_articles(project, Settings(), Diagnostics())
            for article in existing:
                self.add(article.url, article.title, article.text, article.path)

    @staticmethod
    def _text_key(title: str, text: str) -> str:
        """A long text is its own identity; a short one only together with its title."""
        fingerprint = text_fingerprint(text)
        if fingerprint.count(" ") + 1 >= MIN_DUPLICATE_WORDS:
            return fingerprint
        return f"{text_fingerprint(title)} | {fingerprint}"

    def add(self, url: str | None, title: str, text: str, where: str) -> None:
        if url:
            self.urls.setdefault(normalize_url(url), where)
        if text:
            self.texts.setdefault(self._text_key(title, text), where)

    def duplicate_of(self, record: Record) -> str | None:
        if record.url and normalize_url(record.url) in self.urls:
            return f"same URL as {self.urls[normalize_url(record.url)]}"
        key = self._text_key(record.title, record.text)
        if key in self.texts:
            return f"same text as {self.texts[key]}"
        return None

    def free_name(self, slug: str) -> str:
        candidate, number = slug, 1
        while candidate.casefold() in self.names:
            number += 1
            candidate = f"{slug}-{number}"
        self.names.add(candidate.casefold())
        return candidate


def _write_new(path: Path, content: str) -> bool:
    """Write a new file atomically; False (and nothing written) if the name is taken."""
    handle, temporary = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        try:
            os.link(temporary, path)  # fails if the name exists: never overwrites
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            try:
                with open(path, "x", encoding="utf-8", newline="\n") as stream:
                    stream.write(content)
            except FileExistsError:
                return False
        return True
    finally:
        os.unlink(temporary)


# --------------------------------------------------------------------------
# The command's logic
# --------------------------------------------------------------------------


def _read_input(source: str | Path, stdin: IO[Any] | None) -> tuple[str, bytes, str | None]:
    """(name for messages, bytes, format implied by the name or None)."""
    if str(source) == "-":
        stream = stdin if stdin is not None else sys.stdin
        raw = getattr(stream, "buffer", stream).read(MAX_INPUT_BYTES + 1)
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        if len(data) > MAX_INPUT_BYTES:
            raise BriefgenError(Problem(STDIN_NAME, f"input larger than {MAX_INPUT_BYTES // 1_000_000} MB refused"))
        return STDIN_NAME, data, None
    path = Path(source)
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise BriefgenError(Problem(str(path), f"input larger than {MAX_INPUT_BYTES // 1_000_000} MB refused"))
    with open(path, "rb") as handle:
        data = handle.read(MAX_INPUT_BYTES + 1)
    return str(path), data, _EXTENSION_FORMATS.get(path.suffix.lower())


def _expand_sources(sources: list[str | Path]) -> list[str | Path]:
    """Folders become their importable files (sorted); missing inputs stop the import up front."""
    expanded: list[str | Path] = []
    missing: list[Problem] = []
    for source in sources:
        if str(source) == "-":
            expanded.append("-")
            continue
        path = Path(source)
        if path.is_dir():
            for folder, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    file = Path(folder) / name
                    if not name.startswith(".") and file.suffix.lower() in _EXTENSION_FORMATS and file.is_file():
                        expanded.append(file)
        elif path.is_file():
            expanded.append(path)
        elif path.exists():
            missing.append(Problem(str(path), "not a file or folder (a device or pipe cannot be imported)"))
        else:
            missing.append(Problem(str(path), "no such file or folder"))
    if missing:
        raise BriefgenError(missing)
    return expanded


def _records(name: str, data: bytes, fmt: str, report: Any) -> Iterator[Record]:
    try:
        if fmt == "html":
            yield from _read_html_page(data, name, report)
        elif fmt == "jsonl":
            yield from _read_jsonl(data, name, report)
        elif fmt in ("csv", "tsv"):
            yield from _read_csv(data, name, report, "\t" if fmt == "tsv" else None)
        elif fmt == "feed":
            yield from _read_feed(data, name, report)
        else:
            yield from _read_text_file(data, name, report, markdown=fmt == "md")
    except ingest.Unreadable as exc:  # binary input
        report(f"skipped: {exc.message}", exc.line)


def import_files(sources: list[str | Path], project: Project, diagnostics: Diagnostics,
                 stdin: IO[Any] | None = None, fmt: str | None = None) -> ImportReport:
    """Import every record of every source into ``content/articles/`` as ``.md`` files.

    ``"-"`` reads standard input (``stdin`` overrides ``sys.stdin``, for tests).
    The format comes from ``fmt`` when given, else from the file's extension,
    else from sniffing its first bytes. Problems with one record (a bad line, a
    bad date) are warnings and the rest still imports; a missing input file or
    an unknown format raises :class:`BriefgenError` before anything is written.
    """
    forced = _normalize_format(fmt) if fmt else None
    inputs = _expand_sources(sources)
    articles_dir = project.articles_dir
    root = project.root.resolve()
    if not articles_dir.resolve().is_relative_to(root):  # content/ or articles/ linked elsewhere
        raise BriefgenError(Problem(str(articles_dir), "points outside the project; refusing to write there"))
    seen = _Seen(project)
    report = ImportReport()
    for source in inputs:
        name, data, implied = _read_input(source, stdin)
        chosen = forced or implied or sniff_format(data)

        def warn(message: str, line: int | None = None, column: int | None = None, _name: str = name) -> None:
            diagnostics.warn(_name, message, line, column)

        if not data.strip():
            warn("skipped: empty input")
            continue
        for record in _records(name, data, chosen, warn):
            _take(record, project, seen, report)
    return report


def _take(record: Record, project: Project, seen: _Seen, report: ImportReport) -> None:
    """Write one record unless it is empty or already known."""
    if not record.title and record.text:
        first, _, rest = record.text.partition("\n\n")
        record.title, record.text = ingest.clean_title(first), rest
    if not record.text:
        report.skipped.append(Skipped(record.origin, record.title, "no article text"))
        return
    duplicate = seen.duplicate_of(record)
    if duplicate:
        report.skipped.append(Skipped(record.origin, record.title, f"duplicate: {duplicate}"))
        return
    articles_dir = project.articles_dir
    articles_dir.mkdir(parents=True, exist_ok=True)
    content = render_article(record)
    while True:
        path = articles_dir / f"{seen.free_name(slugify(record.title))}.md"
        if _write_new(path, content):
            break
    shown = path.relative_to(project.root).as_posix()
    seen.add(record.url, record.title, record.text, shown)
    report.written.append(path)
