"""Machine-readable outputs: Atom feed, sitemap, robots.txt and briefings.json.

The feed and sitemap need absolute URLs, so they exist only when ``site_url`` is
set. Dates come only from the input: a briefing without a date is left out of the
feed (Atom requires ``updated``, and inventing one would mislead readers).
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import is_dataclass
from datetime import date

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


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = clean_text(text)
    return element


def atom_feed(
    *,
    site_url: str,
    title: str,
    description: str,
    language: str,
    entries: list[dict],
) -> bytes | None:
    """Atom (RFC 4287) for ``entries`` (dicts: id, title, path, updated, summary).

    ``entries`` must be dated; returns None when there is none, since a feed's
    own ``updated`` would then have to be invented.
    """
    if not entries:
        return None
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": language})
    _text(feed, "id", stable_uuid(site_url, "feed"))
    _text(feed, "title", title)
    if description:
        _text(feed, "subtitle", description)
    _text(feed, "updated", rfc3339(max(entry["updated"] for entry in entries)))
    author = ET.SubElement(feed, "author")
    _text(author, "name", title)
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": site_url + "feed.xml"})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": site_url})
    ET.SubElement(feed, "generator").text = "briefgen"
    for entry in entries:
        node = ET.SubElement(feed, "entry")
        _text(node, "id", stable_uuid(site_url, "briefing:" + entry["id"]))
        _text(node, "title", entry["title"])
        _text(node, "updated", rfc3339(entry["updated"]))
        ET.SubElement(node, "link", {"rel": "alternate", "type": "text/html", "href": site_url + entry["path"]})
        if entry.get("summary"):
            _text(node, "summary", entry["summary"], type="text")
    return _xml_bytes(feed)


def sitemap(site_url: str, pages: list[tuple[str, date | None]]) -> bytes:
    """sitemap.xml for ``pages`` (site-relative path, last modified date or None)."""
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path, modified in pages:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = site_url + path
        if modified:
            ET.SubElement(url, "lastmod").text = modified.isoformat()
    return _xml_bytes(urlset)


def robots_txt(site_url: str | None) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site_url:
        lines.append(f"Sitemap: {site_url}sitemap.xml")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _plain(value: object) -> object:
    """Records to JSON-ready data; like dataclasses.asdict without its deep copies."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(item) for name, item in vars(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_json(briefings: list[tuple[Briefing, str]]) -> bytes:
    """site/briefings.json: every briefing record as edited, for other tools.

    ``briefings`` pairs each record with its page path. Keys are sorted and lists
    keep the record's order, so the same YAML always gives the same bytes.
    """
    records = []
    for record, path in sorted(briefings, key=lambda pair: pair[0].id):
        data = _plain(record)
        data["url"] = path
        records.append(data)
    payload = {"version": EXPORT_VERSION, "briefings": records}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # <, > and & only occur inside JSON strings; escaping them keeps markup out of
    # every output file, even for a tool that sniffs the JSON as HTML.
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return (text + "\n").encode("utf-8", "replace")
