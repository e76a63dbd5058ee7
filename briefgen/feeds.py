"""Machine-readable outputs: Atom feed, sitemap, robots.txt and briefings.json.

The feed and sitemap need absolute URLs, so they exist only when ``site_url`` is
set. Dates come only from the input: a briefing without a date is left out of the
feed (Atom requires ``updated``, and inventing one would mislead readers).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import is_dataclass
from datetime import date
from xml.etree.ElementTree import (  # ElementTree's own escaping
    _escape_attrib,
    _escape_cdata,
)

from .markup import clean_text
from .models import Briefing

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EXPORT_VERSION = 1


def rfc3339(day: date) -> str:
    """A date as an RFC 3339 timestamp at midnight UTC (the input has no time)."""
    return f"{day.isoformat()}T00:00:00Z"


def stable_uuid(site_url: str, name: str) -> str:
    """An Atom id that survives slug renames: derived from the site and a stable id."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, site_url + "#" + name))


class _XmlWriter:
    """Writes XML exactly as ``ET.indent`` + ``ET.tostring`` would, without building a tree.

    Feeds and sitemaps list every briefing; at ten thousand entries an element
    tree costs most of a second, while these strings cost a few milliseconds.
    Escaping is ElementTree's own, so the bytes are the same.
    """

    def __init__(self, root: str, attrs: dict[str, str]):
        self.root = root
        self.parts = ["<?xml version='1.0' encoding='utf-8'?>\n", self._open(root, attrs), ">"]

    @staticmethod
    def _open(tag: str, attrs: dict[str, str]) -> str:
        return "<" + tag + "".join(f' {name}="{_escape_attrib(value)}"' for name, value in attrs.items())

    def leaf(self, depth: int, tag: str, text: str | None, attrs: dict[str, str] | None = None) -> None:
        """An element without children at ``depth`` (1: a child of the root)."""
        start = "\n" + "  " * depth + self._open(tag, attrs or {})
        if text:
            self.parts.append(f"{start}>{_escape_cdata(text)}</{tag}>")
        else:
            self.parts.append(start + " />")

    def open(self, depth: int, tag: str) -> None:
        self.parts.append("\n" + "  " * depth + f"<{tag}>")

    def close(self, depth: int, tag: str) -> None:
        self.parts.append("\n" + "  " * depth + f"</{tag}>")

    def bytes(self) -> bytes:
        if len(self.parts) == 3:  # no children: an empty root element
            self.parts[2] = " />"
            return "".join(self.parts).encode("utf-8", "xmlcharrefreplace") + b"\n"
        self.parts.append(f"\n</{self.root}>")
        return "".join(self.parts).encode("utf-8", "xmlcharrefreplace") + b"\n"


def atom_feed(
    *,
    site_url: str,
    title: str,
    description: str,
    language: str,
    entries: list[dict],
) -> bytes | None:
    """Atom (RFC 4287) for ``entries`` (dicts: id, title, path, updated, summary, and
    optionally xml: the entry as ``atom_entry`` writes it).

    ``entries`` must be dated; returns None when there is none, since a feed's
    own ``updated`` would then have to be invented.
    """
    if not entries:
        return None
    xml = _XmlWriter("feed", {"xmlns": ATOM_NS, "xml:lang": language})
    xml.leaf(1, "id", clean_text(stable_uuid(site_url, "feed")))
    xml.leaf(1, "title", clean_text(title))
    if description:
        xml.leaf(1, "subtitle", clean_text(description))
    xml.leaf(1, "updated", rfc3339(max(entry["updated"] for entry in entries)))
    xml.open(1, "author")
    xml.leaf(2, "name", clean_text(title))
    xml.close(1, "author")
    xml.leaf(1, "link", None, {"rel": "self", "type": "application/atom+xml", "href": site_url + "feed.xml"})
    xml.leaf(1, "link", None, {"rel": "alternate", "type": "text/html", "href": site_url})
    xml.leaf(1, "generator", "briefgen")
    for entry in entries:
        xml.parts.append(entry.get("xml") or atom_entry(site_url, entry))
    return xml.bytes()


def atom_entry(site_url: str, entry: dict) -> str:
    """One ``<entry>`` of the feed as text; the renderer caches it with the briefing."""
    xml = _XmlWriter("entry", {})
    xml.parts.clear()
    xml.open(1, "entry")
    xml.leaf(2, "id", clean_text(stable_uuid(site_url, "briefing:" + entry["id"])))
    xml.leaf(2, "title", clean_text(entry["title"]))
    xml.leaf(2, "updated", rfc3339(entry["updated"]))
    xml.leaf(2, "link", None, {"rel": "alternate", "type": "text/html", "href": site_url + entry["path"]})
    if entry.get("summary"):
        xml.leaf(2, "summary", clean_text(entry["summary"]), {"type": "text"})
    xml.close(1, "entry")
    return "".join(xml.parts)


def sitemap(site_url: str, pages: list[tuple[str, date | None]]) -> bytes:
    """sitemap.xml for ``pages`` (site-relative path, last modified date or None)."""
    xml = _XmlWriter("urlset", {"xmlns": SITEMAP_NS})
    for path, modified in pages:
        xml.open(1, "url")
        xml.leaf(2, "loc", site_url + path)
        if modified:
            xml.leaf(2, "lastmod", modified.isoformat())
        xml.close(1, "url")
    return xml.bytes()


def robots_txt(site_url: str | None) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site_url:
        lines.append(f"Sitemap: {site_url}sitemap.xml")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json_default(value: object) -> object:
    """Records for json.dumps: dataclasses as their fields, dates as ISO text."""
    if is_dataclass(value) and not isinstance(value, type):
        return vars(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _escape_markup(text: str) -> str:
    # <, > and & only occur inside JSON strings; escaping them keeps markup out of
    # every output file, even for a tool that sniffs the JSON as HTML.
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return text


def export_fragment(record: Briefing, path: str) -> str:
    """One briefing's entry of briefings.json, as text: cached per briefing by the renderer."""
    data = dict(vars(record))
    data["url"] = path
    text = json.dumps(data, default=_json_default, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _escape_markup(text)


def encode_fragment(text: str) -> bytes:
    """An ``export_fragment`` as it appears in the file (lone surrogates become '?')."""
    return text.encode("utf-8", "replace")


def export_from_fragments(fragments: list[str]) -> bytes:
    """site/briefings.json from ``export_fragment`` texts, already in briefing id order."""
    return b"".join(export_pieces(encode_fragment(text) for text in fragments))


def export_pieces(fragments: Iterable[bytes]) -> Iterator[bytes]:
    """site/briefings.json piece by piece, from encoded fragments (the same bytes:
    encoding never joins characters across fragments). The build writes it so,
    never holding the whole file (some 200 MB at a hundred thousand briefings)."""
    yield b'{"briefings":['
    for number, fragment in enumerate(fragments):
        yield b"," + fragment if number else fragment
    yield b'],"version":' + str(EXPORT_VERSION).encode() + b"}\n"


def export_json(briefings: list[tuple[Briefing, str]]) -> bytes:
    """site/briefings.json: every briefing record as edited, for other tools.

    ``briefings`` pairs each record with its page path. Keys are sorted and lists
    keep the record's order, so the same YAML always gives the same bytes.
    """
    ordered = sorted(briefings, key=lambda pair: pair[0].id)
    return export_from_fragments([export_fragment(record, path) for record, path in ordered])
